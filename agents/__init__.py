"""Who acts and how: array populations (struct of arrays) with vectorised behaviour.

`agents` knows nothing of scenario files, Mesa models, runs or screens: every function here takes
arrays and plain numbers and changes arrays. The model layer sequences them into a day.
"""
