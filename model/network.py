"""The regional network: municipalities as nodes, shared borders as edges weighted by distance.

`networkx` holds the graph (with province and safety-region attributes); the coordination tables'
neighbours (which provinces or safety regions share a border) are read from its edges.
`scipy.sparse` matrices derived from it carry the vectorised neighbour effects in the day's rules
(social influence on willingness), and the distance matrix the nearness of locations in placement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp


@dataclass
class RegionalNetwork:
    graph: nx.Graph
    adjacency: sp.csr_matrix          # 1 where two municipalities share a border
    neighbour_mean: sp.csr_matrix     # row-normalised adjacency: mean over neighbours
    distance_km: np.ndarray           # centroid distances, km (municipality x municipality)
    province_matrix: sp.csr_matrix    # municipality -> province membership (n_prov x n_mun)

    _tables: dict = field(default_factory=dict, repr=False)   # cache of `neighbouring_tables`

    def neighbours(self, i: int) -> np.ndarray:
        return self.adjacency.indices[self.adjacency.indptr[i]:self.adjacency.indptr[i + 1]]

    def neighbouring_tables(self, table_of: np.ndarray) -> list[list[int]]:
        """For tables that group municipalities (`table_of`: table index per municipality, e.g.
        the province or safety region), the tables each one shares a border with, ascending:
        two tables are neighbours when an edge of the graph joins a member of each."""
        key = table_of.tobytes()
        got = self._tables.get(key)
        if got is None:
            n = int(table_of.max()) + 1 if len(table_of) else 0
            pairs = {(int(table_of[i]), int(table_of[j])) for i, j in self.graph.edges() if table_of[i] != table_of[j]}
            got = [sorted({b for a, b in pairs if a == t} | {a for a, b in pairs if b == t}) for t in range(n)]
            self._tables[key] = got
        return got


def build_network(codes: list[str], names: list[str], province_idx: np.ndarray, n_provinces: int,
                  region_codes: list[str], edges: list[tuple[str, str, float]],
                  distance_km: np.ndarray) -> RegionalNetwork:
    """Graph and matrices over the municipalities `codes` (edges outside them are ignored)."""
    index = {c: i for i, c in enumerate(codes)}
    g = nx.Graph()
    for i, c in enumerate(codes):
        g.add_node(i, code=c, name=names[i], province=int(province_idx[i]), region=region_codes[i])
    rows, cols = [], []
    for a, b, overlap in edges:
        if a in index and b in index:
            i, j = index[a], index[b]
            g.add_edge(i, j, km=float(distance_km[i, j]), border_overlap_km2=overlap)
            rows += [i, j]
            cols += [j, i]
    n = len(codes)
    adj = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)
    prov = sp.csr_matrix((np.ones(n), (province_idx, np.arange(n))), shape=(n_provinces, n))
    return RegionalNetwork(g, adj, sp.diags(inv) @ adj, distance_km, prov)
