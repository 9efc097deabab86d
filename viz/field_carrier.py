"""Send the text the browser shows in some fields just before a button's click reaches the server.

The browser sends a field's text to the server as it is typed, but the widgets' front end (ipywidgets)
holds a widget's later updates back while the server has not answered its previous one, and sends a
click at once. On a busy server a button clicked right after typing therefore reached it before the
last keys did: 90000 typed in the What-if field, "first applications 9 a year" decided.

`FieldCarrier` is an invisible element placed inside the part of the page that holds the fields and
the buttons (`scope`, a CSS selector of an ancestor). It listens to the page's clicks in the capture
phase, which runs before the button's own handler, and finds its part at each click (a render may
have replaced the part since the carrier was mounted; a listener on the old part heard nothing).
A click on one of `buttons` first sends the text of every field in `fields` (CSS selectors of their
`input` elements) as a message of its own, which is not held back, then the button sends its click,
so the server reads the texts first.
`on_carried` gets `{"texts": [text or None per field], "t": ms}`; it should set the fields' values
from the texts (the button's handler then reads them as it always did).

With `typing`, every key typed in one of the fields also sends the fields' texts (`on_typed`, the same
form), for what the page shows *while* a field is typed in (the roles of the room a join code names:
with the code's last keys held back, the role list stayed empty until the server had caught up). The
server should not set the fields' values from these: a value it sent back to a field being typed in
would replace the keys typed since.
"""

from __future__ import annotations

import ipyvuetify as v
import traitlets

TEMPLATE = """
<template>
  <span class="np-field-carrier" style="display: none"></span>
</template>
<script>
module.exports = {
  mounted() {
    this.listener = (e) => {
      // the part of the page is found at each click: a render may have replaced it since this was mounted
      const root = this.$el && this.$el.closest ? this.$el.closest(this.scope) : null;
      if (!root || !e.target || !e.target.closest || !root.contains(e.target)) return;
      if (!e.target.closest(this.buttons)) return;
      const texts = this.fields.map((sel) => {
        const field = root.querySelector(sel);
        return field ? field.value : null;
      });
      this.carry({texts: texts, t: Date.now()});
    };
    document.addEventListener('click', this.listener, true);
    this.typist = (e) => {
      if (!this.typing) return;
      const root = this.$el && this.$el.closest ? this.$el.closest(this.scope) : null;
      if (!root || !e.target || !e.target.matches || !root.contains(e.target)) return;
      if (!this.fields.some((sel) => e.target.matches(sel))) return;
      const texts = this.fields.map((sel) => {
        const field = root.querySelector(sel);
        return field ? field.value : null;
      });
      this.typing_in({texts: texts, t: Date.now()});
    };
    document.addEventListener('input', this.typist, true);
  },
  beforeDestroy() {
    document.removeEventListener('click', this.listener, true);
    document.removeEventListener('input', this.typist, true);
  },
};
</script>
"""


class FieldCarrier(v.VuetifyTemplate):
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    scope = traitlets.Unicode("").tag(sync=True)       # CSS selector of the ancestor holding fields and buttons
    buttons = traitlets.Unicode("").tag(sync=True)     # CSS selector of the buttons whose clicks carry the texts
    fields: traitlets.List[str] = traitlets.List([]).tag(sync=True)   # CSS selectors of the fields' inputs
    typing = traitlets.Bool(False).tag(sync=True)      # also send the texts at every key typed in a field
    carried = traitlets.Dict({})                       # the last texts carried (server side only)
    typed = traitlets.Dict({})                         # the texts at the last key typed (server side only)

    def vue_carry(self, data: dict) -> None:
        """A click on one of the buttons, before the click itself: the fields' texts as shown."""
        self.carried = dict(data) if isinstance(data, dict) else {}

    def vue_typing_in(self, data: dict) -> None:
        """A key typed in one of the fields (with `typing`): the fields' texts as shown."""
        self.typed = dict(data) if isinstance(data, dict) else {}
