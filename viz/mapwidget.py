"""A clickable map image with location tooltips: a tiny Vue template, no JavaScript library.

The PNG comes from `viz.figures.MapCanvas` as a data URL; each location gets an invisible round
hover target with a native tooltip (`title`). A click sets `clicked` (synced to Python):
`{"kind": "location", "i": index}` on a marker, or `{"kind": "point", "fx", "fy"}` with the
position as fractions of the image, which `MapCanvas.hit` turns into a municipality.
"""

from __future__ import annotations

import base64

import ipyvuetify as v
import traitlets

TEMPLATE = """
<template>
  <div class="np-map" style="position: relative; display: inline-block; line-height: 0; max-width: 100%">
    <img :src="src" class="np-map-img" alt="map of the Netherlands" @click="img_click"
         style="cursor: crosshair; max-width: 100%; display: block"/>
    <div v-for="m in markers" :key="m.i" class="np-marker" :title="m.t" @click.stop="marker_click(m.i)"
         :style="{position: 'absolute', left: m.x + '%', top: m.y + '%', width: 2 * m.r + 'px',
                  height: 2 * m.r + 'px', marginLeft: -m.r + 'px', marginTop: -m.r + 'px',
                  borderRadius: '50%', cursor: 'pointer'}"></div>
  </div>
</template>
<script>
module.exports = {
  methods: {
    img_click(e) {
      const r = e.target.getBoundingClientRect();
      this.clicked = {kind: 'point', fx: (e.clientX - r.left) / r.width,
                      fy: (e.clientY - r.top) / r.height, t: Date.now()};
    },
    marker_click(i) {
      this.clicked = {kind: 'location', i: i, t: Date.now()};
    },
  },
};
</script>
"""


class MapWidget(v.VuetifyTemplate):
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    src = traitlets.Unicode("").tag(sync=True)
    markers: traitlets.List[dict] = traitlets.List([]).tag(sync=True)    # `MapCanvas.markers`
    clicked = traitlets.Dict({}).tag(sync=True)


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
