"""Where the source points are: everything the decoder derives from the edge map alone.

Given the edge map ``E`` and the header parameters, encoder and decoder compute the same

* regions: 4-connected components of the non-edge pixels (thin 8-connected edges separate them);
* the boundary band ``epsilon`` of the paper (eq. 6, lambda = 1): non-edge pixels touching an edge
  (8-neighbourhood), i.e. the pixels on *both sides* of every edge; with the ``edge_values``
  flag the edge pixels themselves form a further 1-D chain;
* chains: band pixels linked to 8-neighbours of the same region (edge pixels to edge pixels),
  with weights 1 (axial) and 1/sqrt(2) (diagonal), the discrete ``d^2u/dl^2`` of eq. 3;
* source points: chain endpoints, then (raster order) every chain pixel with no source within
  ``spacing - 1`` hops along its chain, so every chain gets at least one and the two sides of
  an edge never share one; with the ``border`` flag the image frame is chained as well;
  plus, optionally, interior pixels on a regular grid of step ``grid``;
* for every source, the already coded source its value is predicted from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy import sparse

_FOUR = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)
_EIGHT = np.ones((3, 3), bool)
_OFFSETS = ((0, 1, 1.0), (1, 0, 1.0), (1, 1, 2**-0.5), (1, -1, 2**-0.5))


@dataclass
class Geometry:
    shape: tuple
    edges: np.ndarray  # bool (H, W)
    chain: np.ndarray  # bool (H, W): pixels with a 1-D equation (lambda = 1)
    chain_i: np.ndarray  # flat indices of linked chain pixel pairs
    chain_j: np.ndarray
    chain_w: np.ndarray
    sources: np.ndarray  # flat indices of source points, raster order
    ref: np.ndarray  # index into ``sources`` of the predictor, -1 = none
    new: np.ndarray  # bool: first source of its chain / region (coded in the "new" stream)
    regions: np.ndarray  # int32 region labels (0 on edges)

    @property
    def n_sources(self) -> int:
        return int(self.sources.size)


def _numba():
    import numba

    return numba


_kernels = {}


def _get_kernels():
    if _kernels:
        return _kernels
    numba = _numba()

    @numba.njit(cache=True)
    def select_chain(cls, E, deg, spacing, edge_cls, ncls):
        """Chain sources: endpoints, then raster order with a geodesic (hop) spacing test.

        A breadth-first search along the chain from every chosen source records the hop
        distance to, and the index of, the nearest earlier source: the spacing test and the
        value predictor both use it, so neither jumps across an edge.
        """
        H, W = cls.shape
        big = 1 << 30
        dist = np.full((H, W), big, np.int64)
        owner = -np.ones((H, W), np.int64)
        chosen = np.zeros((H, W), np.bool_)
        n_max = 0
        for y in range(H):
            for x in range(W):
                if cls[y, x] > 0:
                    n_max += 1
        sy = np.empty(n_max, np.int64)
        sx = np.empty(n_max, np.int64)
        ref = -np.ones(n_max, np.int64)
        new = np.zeros(n_max, np.bool_)
        last_cls = -np.ones(ncls + 2, np.int64)
        qy = np.empty(n_max + 1, np.int64)
        qx = np.empty(n_max + 1, np.int64)
        depth = 2 * spacing
        count = 0
        for stage in range(2):
            for y in range(H):
                for x in range(W):
                    c = cls[y, x]
                    if c <= 0 or chosen[y, x]:
                        continue
                    if stage == 0 and deg[y, x] > 1:
                        continue
                    if stage == 1 and dist[y, x] < spacing:
                        continue
                    k = count
                    count += 1
                    chosen[y, x] = True
                    sy[k] = y
                    sx[k] = x
                    if dist[y, x] <= depth:
                        ref[k] = owner[y, x]
                    else:
                        new[k] = True
                        if last_cls[c] >= 0:
                            ref[k] = last_cls[c]
                        elif k > 0:
                            ref[k] = k - 1
                    last_cls[c] = k
                    dist[y, x] = 0
                    owner[y, x] = k
                    head = 0
                    tail = 1
                    qy[0] = y
                    qx[0] = x
                    while head < tail:
                        py = qy[head]
                        px = qx[head]
                        head += 1
                        d = dist[py, px]
                        if d >= depth:
                            continue
                        for dy in range(-1, 2):
                            for dx in range(-1, 2):
                                if dy == 0 and dx == 0:
                                    continue
                                ny = py + dy
                                nx = px + dx
                                if ny < 0 or ny >= H or nx < 0 or nx >= W:
                                    continue
                                if cls[ny, nx] != c:
                                    continue
                                if dy != 0 and dx != 0 and c != edge_cls:
                                    if E[py, nx] and E[ny, px]:
                                        continue
                                if d + 1 < dist[ny, nx]:
                                    dist[ny, nx] = d + 1
                                    owner[ny, nx] = k
                                    if tail < qy.size:
                                        qy[tail] = ny
                                        qx[tail] = nx
                                        tail += 1
        return sy[:count], sx[:count], ref[:count], new[:count], last_cls

    @numba.njit(cache=True)
    def grid_predictors(gy, gx, gcls, index, src_cls, last_cls, radius, offset):
        """Predictors of the interior grid sources: the nearest source of the same region."""
        H, W = index.shape
        n = gy.size
        ref = -np.ones(n, np.int64)
        new = np.zeros(n, np.bool_)
        for k in range(n):
            y = gy[k]
            x = gx[k]
            c = gcls[k]
            best = -1
            bestd = 1 << 30
            for yy in range(max(0, y - radius), min(H, y + radius + 1)):
                for xx in range(max(0, x - radius), min(W, x + radius + 1)):
                    j = index[yy, xx]
                    if j >= 0 and src_cls[j] == c:
                        d = (yy - y) * (yy - y) + (xx - x) * (xx - x)
                        if d < bestd:
                            bestd = d
                            best = j
            if best >= 0:
                ref[k] = best
            else:
                new[k] = True
                if last_cls[c] >= 0:
                    ref[k] = last_cls[c]
                elif offset + k > 0:
                    ref[k] = offset + k - 1
            index[y, x] = offset + k
            src_cls[offset + k] = c
            last_cls[c] = offset + k
        return ref, new

    _kernels.update(select_chain=select_chain, grid_predictors=grid_predictors)
    return _kernels


def build_chains(edges: np.ndarray, *, edge_values: bool, border: bool = False) -> dict:
    """Regions, chain classes and chain links (the part that does not depend on the sampling)."""
    E = np.asarray(edges, dtype=bool)
    H, W = E.shape
    regions, nreg = ndi.label(~E, structure=_FOUR)
    regions = regions.astype(np.int32)
    band = ~E & ndi.binary_dilation(E, structure=_EIGHT)
    if border:
        frame = np.zeros((H, W), bool)
        frame[[0, -1], :] = True
        frame[:, [0, -1]] = True
        band |= frame & ~E
    cls = np.where(band, regions, 0).astype(np.int64)
    edge_cls = nreg + 1
    if edge_values:
        cls[E] = edge_cls
    chain = cls > 0
    idx = np.arange(H * W).reshape(H, W)
    ii, jj, ww = [], [], []
    for dy, dx, w in _OFFSETS:
        ys = slice(0, H - dy)
        yd = slice(dy, H)
        if dx >= 0:
            xs, xd = slice(0, W - dx), slice(dx, W)
        else:
            xs, xd = slice(-dx, W), slice(0, W + dx)
        a = cls[ys, xs]
        b = cls[yd, xd]
        ok = (a > 0) & (a == b)
        if dy and dx:
            # a diagonal link must not jump across a diagonal edge: one of the two pixels
            # completing the 2x2 square has to be off the edge
            ok &= ~(E[ys, xd] & E[yd, xs]) | (a == edge_cls)
        ii.append(idx[ys, xs][ok])
        jj.append(idx[yd, xd][ok])
        ww.append(np.full(int(ok.sum()), w))
    ci = np.concatenate(ii)
    cj = np.concatenate(jj)
    cw = np.concatenate(ww)
    deg = (np.bincount(ci, minlength=H * W) + np.bincount(cj, minlength=H * W)).reshape(H, W)
    return dict(E=E, regions=regions, nreg=nreg, cls=cls, edge_cls=edge_cls, chain=chain, ci=ci, cj=cj, cw=cw, deg=deg)


def build_geometry(
    edges: np.ndarray, *, spacing: int, grid: int, edge_values: bool, border: bool = False, chains: dict | None = None
) -> Geometry:
    """Derive chains, source points and predictors from the edge map (see module docstring).

    ``chains`` may pass a cached :func:`build_chains` result for the same edges and flags.
    """
    if chains is None:
        chains = build_chains(edges, edge_values=edge_values, border=border)
    E, regions, nreg, cls = chains["E"], chains["regions"], chains["nreg"], chains["cls"]
    edge_cls, chain, deg = chains["edge_cls"], chains["chain"], chains["deg"]
    ci, cj, cw = chains["ci"], chains["cj"], chains["cw"]
    H, W = E.shape
    k = _get_kernels()
    sy, sx, ref, new, last_cls = k["select_chain"](cls, E, deg, int(spacing), int(edge_cls), int(nreg + 1))
    n_chain = sy.size
    # interior grid (and, when nothing else exists, one pixel so that the system has data)
    grid_mask = np.zeros((H, W), bool)
    if grid > 0:
        off = grid // 2
        grid_mask[off::grid, off::grid] = True
        grid_mask &= ~chain & ~E
    if n_chain == 0 and not grid_mask.any():
        grid_mask[H // 2, W // 2] = not E[H // 2, W // 2]
        if not grid_mask.any():
            grid_mask[0, 0] = True
    gy, gx = np.nonzero(grid_mask)
    n = n_chain + gy.size
    src_cls = np.zeros(n, np.int64)
    src_cls[:n_chain] = cls[sy, sx]
    index = -np.ones((H, W), np.int64)
    index[sy, sx] = np.arange(n_chain)
    gcls = regions[gy, gx].astype(np.int64)
    radius = int(min(max(2 * grid, 2 * spacing), 32))
    gref, gnew = k["grid_predictors"](
        gy.astype(np.int64), gx.astype(np.int64), gcls, index, src_cls, last_cls.copy(), radius, n_chain
    )
    sources = np.concatenate([sy * W + sx, gy * W + gx]).astype(np.int64)
    geo = Geometry(
        (H, W), E, chain, ci, cj, cw, sources, np.concatenate([ref, gref]), np.concatenate([new, gnew]), regions
    )
    return geo


def sample_values(geo: Geometry, image: np.ndarray, *, average: int = 0) -> np.ndarray:
    """Values at the source points, ``(n_sources, channels)``.

    With ``average > 0`` each chain source takes the mean of the chain pixels within
    ``average`` hops along its chain (less noise; the encoder's choice, the decoder never
    needs it).
    """
    return chain_averaged(geo.shape, geo.chain_i, geo.chain_j, image, average=average)[geo.sources]


def chain_averaged(shape, chain_i, chain_j, image, *, average: int = 0) -> np.ndarray:
    """The image as ``(H*W, channels)`` with every linked chain pixel replaced by the mean of
    the chain pixels within ``average`` hops (see :func:`sample_values`, which indexes this at
    the source points; the encoder caches it across samplings of the same chains)."""
    img = np.asarray(image, dtype=np.float64)
    if img.ndim == 2:
        img = img[..., None]
    H, W = shape
    flat = img.reshape(H * W, -1)
    if average <= 0 or chain_i.size == 0:
        return flat
    # repeated neighbour sums along the chain links: a path-count weighted mean
    sub = np.unique(np.concatenate([chain_i, chain_j]))
    pos = np.full(H * W, -1, np.int64)
    pos[sub] = np.arange(sub.size)
    m = sub.size
    A = sparse.coo_matrix(
        (np.ones(2 * chain_i.size), (np.concatenate([pos[chain_i], pos[chain_j]]), np.concatenate([pos[chain_j], pos[chain_i]]))),
        shape=(m, m),
    ).tocsr()
    acc = np.concatenate([flat[sub], np.ones((m, 1))], axis=1)
    for _ in range(int(average)):
        acc = acc + A @ acc
    out = flat.copy()
    out[sub] = acc[:, :-1] / acc[:, -1:]
    return out
