"""Warn before a reload or close loses the run: while `dirty` is true the browser asks
"Leave site? Changes you made may not be saved." (its own words; pages cannot change them).
Saved scenarios and runs survive a reload (`viz.store`); the run in progress does not."""

from __future__ import annotations

import ipyvuetify as v
import traitlets

TEMPLATE = """
<template><span class="np-reload-guard" :data-dirty="dirty ? 'yes' : 'no'" style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    this.guard = (e) => { if (this.dirty) { e.preventDefault(); e.returnValue = ''; return ''; } };
    window.addEventListener('beforeunload', this.guard);
  },
  destroyed() {
    window.removeEventListener('beforeunload', this.guard);
  },
};
</script>
"""


class ReloadGuard(v.VuetifyTemplate):
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    dirty = traitlets.Bool(False).tag(sync=True)
