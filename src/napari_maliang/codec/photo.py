"""The photo mode of ``.mlg`` (format version 2, mode byte 1): R-EED-style coding for photographs (issue #17).

Encoder: each plane (gray, or full-range ITU-R 601 YCbCr as JPEG uses for colour) is subdivided adaptively
(:mod:`.subdivision`, threshold ``a * l**d``, ``d`` in :data:`SUBDIVISION_EXPONENTS`, ``a`` bisected so that the plane's coded section
fits its share of the budget: gray all of it, colour 80 % luma and 10 % for each chroma plane, i.e. chroma at a
reduced density as in R-EED), the stored pixels' values quantised to ``q`` levels between the plane's minimum
and maximum (its brightness and contrast range; for the gray or luma plane ``q`` from 8, 12, 16 walked
outwards on :data:`Q_LADDER`, :data:`Q_LADDER_FAST` at the fast setting, while the decoded plane comes closer
to the image, at the fast setting then the levels companded towards the dark end when that comes closer still
(:data:`LEVEL_GAMMAS`, :func:`_best_code`), its last bytes spent splitting the leaves of largest decoded error
(:func:`_refined`) and then a share of them moved from the splits that the decoder says helped least
(:func:`_swapped`); chroma ``q = 12`` up to 0.1 bpp, 16 above: chosen on the design photos), optionally tonally optimised for the decoder (:mod:`.tonal`; ``tonal_iterations`` conjugate-gradient
iterations for the luma, a quarter of them for each chroma plane: 0 is the fast setting, :data:`BEST_TONAL`
the best; the optimised values then rounded to their levels jointly and the luma's unspent bytes given to more
pixels, :func:`_descended`), and range-coded (split flags and values in one stream in the tree's order,
:func:`.subdivision.encode_plane`), with the EED parameters ``lambda, sigma`` chosen per image among
:data:`PARAMS` on the luma's unoptimised values (:func:`_best_params`). Decoder: the tree and
the values decoded, every plane inpainted by EED (:mod:`.eed`) with the ``lambda`` and ``sigma`` stored in its
section.

Section ``SECTION_PHOTO + k`` (plane ``k``)::

    varint n_flags, 1 byte q (2..255), 1 byte lo, 1 byte hi (lo <= hi), 1 byte 10 lambda (>= 1),
    1 byte 10 sigma, in the gray or luma plane's section with the header's ``FLAG_LEVEL_GAMMA`` 1 byte
    100 gamma (>= 1; the levels are ``lo + (hi - lo) (k / (q - 1))**gamma``, :func:`.subdivision.level_values`;
    without the flag, and in chroma sections, gamma = 1: files that do not compand keep the layout before), then
    with the header's ``FLAG_INTERLEAVED`` one stream of flags and values (the rest;
    :func:`.subdivision.encode_plane`; with ``FLAG_MIXED_VALUES`` too, files since 2026-12-06 evening, each flag's
    and level's probability mixed from several contexts, else in one context each), else varint tree length, tree bytes, value bytes (the rest; their model,
    :mod:`.subdivision`: ``FLAG_TREE_VALUES``, else ``FLAG_PREDICTIVE_VALUES`` (raster), else order 0)

References: Schmaltz, Peter, Mainberger, Ebel, Weickert & Bruhn, Understanding, optimising, and extending data
compression with anisotropic diffusion, IJCV 108 (2014); docs/codec.md, "Photo mode".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from napari_maliang._shared.color import rgb_to_ycbcr, ycbcr_to_rgb

from .format import (
    FLAG_INTERLEAVED,
    FLAG_LEVEL_GAMMA,
    FLAG_MIXED_VALUES,
    FLAG_PREDICTIVE_VALUES,
    FLAG_TREE_VALUES,
    MODE_PHOTO,
    SECTION_PHOTO,
    CodecError,
    Container,
    Header,
    Reader,
    pack,
    write_varint,
)
from .subdivision import INTERLEAVED, MIXED, ORDER0, RASTER, TREE

#: EED parameters written into a plane's section when none is chosen for it (design-set choices)
LAMBDA = 2.0
SIGMA = 1.0
#: the (lambda, sigma) pairs tried per image (:func:`_best_params`; design photos and codec photo sets 1-2 at
#: the fast setting: +0.16 dB on average, never lower than the fixed pair; lambda 1 chosen most often; blind on
#: codec photo set 3: +0.09 dB at the fast setting, neutral at the best, where tonal optimisation makes it up)
PARAMS = tuple((lam, sigma) for lam in (1.0, 1.5, 2.0, 3.0) for sigma in (1.0, 1.5))
#: share of the budget of each plane (colour: Y, Cb, Cr)
COLOUR_SHARES = (0.8, 0.1, 0.1)
#: chroma decoding with the luma's tensor (design photos): FED diffusion time, and the relative residual of the
#: homogeneous start's solve (the linear diffusion refines it, so a loose solve costs no quality)
CHROMA_TIME = 200.0
CHROMA_START_TOL = 1e-2
#: relative residual of the homogeneous solves inside tonal optimisation
TONAL_TOL = 1e-2
#: the gray or luma plane's quantisation levels tried first, per image and split exponent (design photos: the
#: best of them is up to 0.3 dB above :func:`default_q`'s, never below it); the chroma planes keep
#: :func:`default_q`
Q_CANDIDATES = (8, 12, 16)
#: the levels the search walks on from :data:`Q_CANDIDATES`, outwards while the decoded plane's error falls
#: (:func:`_best_code`). On the luma of codec photo sets 1, 3 and 5 (0.1 and 0.2 bpp, both exponents, no tonal
#: optimisation, 2026-12-05; 132 cases) the error is unimodal in ``q`` (the walk found the best of the whole
#: ladder in every case) and the walk is +0.26 dB on average over the first three: smooth photos want many
#: levels (+1.1 to +7.5 dB at q 24-48 on a blurred backdrop, a gray sky, a face at 0.2 bpp), textured ones few
#: (+0.2 to +0.4 dB at q 5-6 on three photos); one extra trial per case on average
Q_LADDER = (4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
#: the fast setting's ladder: one step up at most (on those cases +0.18 of the walk's +0.22 dB at ``d = -1.5``;
#: a textured photo of codec photo set 6 walked down three steps to q 4 and took 11.8 s instead of 7.9 s, over
#: the fast setting's 10 s)
Q_LADDER_FAST = (8, 12, 16, 24)
#: subdivisions again with fewer pixels when the optimised values overshoot the bytes: with one, 5 of the 18
#: held-out best-setting cases (codec photo set) overshot twice and kept their unoptimised values
TONAL_REFITS = 3
#: the companding exponents tried at the fast setting for the gray or luma plane's levels once its ``q`` is chosen
#: (:func:`.subdivision.level_values`; levels denser towards the plane's minimum): a night sky under a bright moon
#: (codec photo set 14, ``sf``, seen) spends its 8-12 uniform levels on a range that its dark, smooth area
#: barely uses; companded levels gained it 0.5-0.8 dB. Blind on codec photo set 15: +0.05 dB on average, JPEG
#: beaten on 13 of 16 cases instead of 11. The best setting keeps uniform levels: tonal optimisation follows and
#: erodes the gains (seen set 14: gains of 0.01-0.22 dB before it came out 0.01-0.10 dB lower after it), and even
#: with a margin of 0.3 dB the choice was -0.007 dB on set 15 (docs/benchmarks/codec_photos.md, "After 17").
LEVEL_GAMMAS = (1.25, 1.6, 2.0)
#: the exponent ``d`` of the subdivision's split threshold ``a * l**d`` (:mod:`.subdivision`): every plane of the
#: fast setting (no tonal optimisation) and every chroma plane use the first; with tonal optimisation the gray or
#: luma plane's is chosen per image among them, with its ``q`` (:func:`_best_code`). On the design photos (the
#: luma of codec photo sets 1 and 3 and the three design photos, 0.1 and 0.2 bpp, no tonal optimisation,
#: 2026-12-05) -1.5 is +0.27 dB over the earlier -1 on average (-0.11 to +0.53 dB; -1 had been chosen on the
#: camera alone, where they tie); smooth photos (faces) gain another 0.15-0.37 dB at -2.5, textured ones lose there
SUBDIVISION_EXPONENTS = (-1.5, -2.5)
#: the share of the gray or luma plane's bytes that the subdivision fills before the rest is spent splitting the
#: leaves with the largest decoded error (:func:`_refined`). On the luma of codec photo sets 1 and 3 (0.1 bpp,
#: fast setting's q and d, no tonal optimisation, 2026-12-05; 20 cases) 0.9 gained +0.30 dB on average (+0.01
#: to +1.30), 0.8 about as much (-0.05 to +1.13); starting from 0.5-0.75 and refining in several rounds
#: gained less or lost (0.6 in three rounds: -0.27 to +0.56): the greedy splits then replace too much of the
#: subdivision's balance
REFINE_START = 0.9
#: the share of the refined plane's bytes then taken back from the splits that helped least, as measured by the
#: decoder (:func:`_swapped`), and spent again on the leaves of largest decoded error. On the luma of codec photo
#: sets 3 and 5 (fast setting's q and d, no tonal optimisation, 2026-12-05 late; seen photos) 0.05 gained +0.28
#: dB at 0.1 bpp (24 of 24 up, +0.07 to +0.69) and +0.26 dB on set 3 at 0.2 bpp (12 of 12), 0.1 gained less
#: (+0.20 to +0.26 dB), and merging before the refinement instead of after it +0.08 dB; a second round gained
#: +0.01 dB more
SWAP_SHARE = 0.05
#: the chroma planes' tonal iterations as a share of the luma's
CHROMA_TONAL_SHARE = 0.25
#: the best setting's ``tonal_iterations`` (encode <= 60 s per 512x512 colour photo on the shared 2-core
#: machine; docs/codec.md, "Photo mode")
BEST_TONAL = 12
#: passes of the levels' descent after tonal optimisation (:func:`_descended`), each linearised anew
DESCENT_PASSES = 2
#: ... for a chroma plane: none. A second pass cost 5-11 s per colour photo and gained at most 0.008 dB (three colour
#: photos of codec photo set 17 at 0.1 bpp, seen); the first gained 0.02-0.05 dB and was dropped for the best
#: setting's time (docs/benchmarks/codec_photos.md, "One pass of the chroma planes' descent" and set 21's criterion)
CHROMA_DESCENT_PASSES = 0
#: ... for a gray or luma plane after its spare bytes went to more pixels (:func:`_grown`)
GROWN_PASSES = 2
#: the descent's price of a bit as a share of the plane's squared error per bit of its budget, ``E / (8 nbytes)``
#: (:func:`_descended`). By the rate-distortion slope of our photos at 0.1 bpp (+2.5 dB per doubled rate) a bit is
#: worth about 0.83 of that; prices that high leave up to 8 % of the bytes unspent (the descent cannot give them back
#: to pixels). On four gray photos of codec photo set 12 at 0.1 bpp (seen), best setting: 0.1 in both passes
#: gained +0.02 to +0.25 dB over the descent without prices, 0.05 less (+0.01 to +0.11 dB)
DESCENT_BIT_PRICE = 0.1
#: a refit of tonal optimisation (:func:`_tonal`) aims this share below the bytes its overshoot allows: optimised
#: values grow a little more at fewer pixels (codec photo set 3: +24 %, then +1.6 %, +0.3 %), so without it most
#: first refits overshoot again, and each refit costs a subdivision, its decodings and the optimisation. On codec
#: photo set 16 at 0.1 bpp (seen), best setting: 64 optimisations instead of 73 over 12 photos; what the margin
#: leaves of the bytes, the levels' descent may spend (:func:`_descended`)
REFIT_MARGIN = 0.01
#: halvings of the byte searches' threshold (:func:`.subdivision.code_within` over 18 decades of ``a``,
#: :func:`.subdivision.refine_within` over 8 of the refinement's threshold): ``a`` within 0.03 % of the boundary
SEARCH_HALVINGS = 17
#: ... at the fast setting: 13 leave ``a`` within 0.5 % of it and cost four subdivisions and trial codings less per
#: search (40 % of the slowest fast encode of codec photo set 22 went to the searches). Blind on codec photo set 23:
#: +0.003 dB at the fast setting (worst -0.02), its encodes 4 % faster in sum, the slowest 10.0 -> 9.1 s; at the best
#: setting -0.016 dB with one case at -0.18 dB, which the criterion fixed before did not allow, so the best setting
#: keeps 17 (docs/benchmarks/codec_photos.md, "After 23")
FAST_SEARCH_HALVINGS = 13


def default_q(bpp: float) -> int:
    """Quantisation levels of the stored values: 12 up to 0.1 bpp, 16 above (design photos)."""
    return 12 if bpp <= 0.1 else 16


def _head(code, lam: float = LAMBDA, sigma: float = SIGMA) -> bytes:
    """A plane's section up to its stream (module docstring)."""
    head = bytes([code.q, int(code.lo), int(code.hi), round(10 * lam), round(10 * sigma)])
    if code.gamma != 1:  # only a gray or luma plane is companded (then the header has FLAG_LEVEL_GAMMA)
        head += bytes([round(100 * code.gamma)])
    return write_varint(code.sub.flags.size) + head


def _payload(code, lam: float = LAMBDA, sigma: float = SIGMA) -> bytes:
    from .subdivision import encode_plane

    return _head(code, lam, sigma) + encode_plane(code)


def _fits(code, nbytes: float) -> bool:
    """Whether ``code``'s section (:func:`_payload`) takes at most ``nbytes``: the byte searches' test, the coder
    stopped as soon as it cannot fit."""
    from .subdivision import encode_plane

    limit = int(np.floor(nbytes)) - len(_head(code))
    return limit >= 0 and encode_plane(code, limit=limit) is not None


def _plane_at_bytes(
    g: np.ndarray,
    nbytes: int,
    q: int,
    d: float = SUBDIVISION_EXPONENTS[0],
    gamma: float = 1.0,
    halvings: int = SEARCH_HALVINGS,
):
    """The subdivision code (split exponent ``d``, levels companded by ``gamma``) of the integer-valued plane ``g``
    with the most pixels whose section payload is at most ``nbytes`` (the threshold's interval halved ``halvings``
    times); ``ValueError`` when even the root rectangle does not fit."""
    from .subdivision import code_within

    try:
        return code_within(g, lambda c: _fits(c, nbytes), d=d, q=q, iterations=halvings, gamma=gamma)
    except ValueError:
        raise ValueError(f"the photo mode needs more than {nbytes} bytes for this plane") from None


def _inpaint(known, mask, lam: float, sigma: float, guide: np.ndarray | None = None, trace: list | None = None, fill=None):
    """The decoder's inpainting of one plane: EED from a homogeneous start, or for chroma (``guide`` the decoded
    luma) linear diffusion with the luma's frozen EED tensor from a loosely solved homogeneous start (module
    docstring); ``trace`` receives the FED cycles' weights and steps (:func:`.eed.eed_inpaint`), ``fill`` is
    the mask's :class:`.inpaint.HomogeneousFill` when the caller has it."""
    from .eed import eed_inpaint
    from .inpaint import HomogeneousFill

    fill = HomogeneousFill(mask) if fill is None else fill
    if guide is None:
        return eed_inpaint(known, mask, lam=lam, sigma=sigma, init=fill.forward(known[mask]), trace=trace)
    start = fill.forward(known[mask], tol=CHROMA_START_TOL)
    return eed_inpaint(
        known, mask, lam=lam, sigma=sigma, time=CHROMA_TIME, cycles=1, init=start, guide=guide, trace=trace
    )


def _tonal(
    g: np.ndarray, code, iterations: int, nbytes: int, guide: np.ndarray | None = None, params=(LAMBDA, SIGMA)
):
    """Tonally optimised values for the decoder (:mod:`.tonal`: its homogeneous start and FED steps, with the
    tensors it computes from the unoptimised values, or the guide's for chroma, frozen). Optimised values
    spread over more levels and may cost more bits (sparse chroma: 8-9 % more on the astronaut); then the
    plane is subdivided again with fewer pixels, in proportion to the last overshoot (to its square from the
    second refit on), refined by its decoded error (:func:`_refined_at_bytes`, decoded with ``params`` and the
    ``guide`` as the decoder does) and optimised once more, up to :data:`TONAL_REFITS` times; the unoptimised
    code when none fits. The gray or luma plane's optimised values that fit are rounded to their levels better
    than one by one (a chroma plane's one by one: :data:`CHROMA_DESCENT_PASSES`), and what the luma's section then
    leaves of its bytes goes to more pixels (:func:`_descended`). Returns the code
    and its decoded plane (the decoder's inpainting of it, with ``guide``)."""

    from .inpaint import HomogeneousFill
    from .subdivision import quantise
    from .tonal import DecoderInpainting, optimise_values

    trial = code
    decoder = _Decoder(g.shape, params, guide)  # a refit's search decodes the code it returns: kept for the refit
    for attempt in range(1 + TONAL_REFITS):
        m = trial.sub.mask
        seen = decoder.seen.get(id(trial))
        decoder.seen.clear()
        if seen:
            _, fill, trace = seen
        else:  # the decoder's start, and the optimisation's: one solver setup
            fill, trace = HomogeneousFill(m), []
            _inpaint(trial.image(g.shape), m, *params, guide, trace, fill)
        c = optimise_values(g, DecoderInpainting(m, trace, tol=TONAL_TOL, start=fill), g[m], iterations)
        levels = quantise(c, trial.q, trial.lo, trial.hi, trial.gamma)
        new = replace(trial, levels=levels)
        size = len(_payload(new))
        if size <= nbytes:
            return _descended(g, new, nbytes, fill, guide, params)
        if attempt < TONAL_REFITS:
            # the trial's own unoptimised size, scaled by its overshoot (always fewer bytes than it); from the
            # second refit on by its square: the overshoot grows as pixels are removed (codec photo set 3,
            # luma: +24 % at the first try, then +1.6 %, +0.3 %), and every try costs a subdivision, an
            # inpainting and the optimisation again
            scale = (nbytes / size) ** (1 if attempt == 0 else 2) * (1 - REFIT_MARGIN)
            try:
                trial = _refined_at_bytes(g, int(len(_payload(trial)) * scale), code, decoder)
            except ValueError:
                break
    return code, _inpaint(code.image(g.shape), code.sub.mask, *params, guide)


def _descended(g: np.ndarray, code, nbytes: int, fill, guide: np.ndarray | None = None, params=(LAMBDA, SIGMA)):
    """``code`` with its levels moved by :func:`.tonal.descend_levels` for the decoder linearised at its own
    values (the tensors the decoder computes from them, frozen; ``fill``: the mask's homogeneous start), again
    from the new levels up to :data:`DESCENT_PASSES` times (:data:`CHROMA_DESCENT_PASSES` for a chroma plane),
    each pass kept only when the real decoder comes closer to ``g``; the section may grow up to ``nbytes`` (the
    caller's bytes for it: what the other planes' sections leave, so they keep theirs), spending what the
    optimised values left unused (on codec photo set 16 at 0.1 bpp, seen, with :data:`REFIT_MARGIN`: +0.07 dB on
    average, +0.22 to +0.28 dB on three colour photos whose chroma had bytes to spare, -0.06 to +0.05 dB on the
    others). Tonal optimisation rounds its values one by one; the descent won back 0.14-0.39 dB on the three photos
    of codec photo set 10 nearest JPEG 2000 at 0.1 bpp (seen; blind figures in docs/benchmarks/codec_photos.md).
    The descent weighs each move's change of the code's length (:class:`.subdivision.MoveBits`) at
    :data:`DESCENT_BIT_PRICE` of the plane's error per bit, so that moves which shorten the code make room for
    those which lengthen it.

    The moves that gain most also shorten the code (towards the levels its contexts predict), so a gray or luma
    plane ends up to 3 % under its bytes, which no move of the levels can spend; they go to more pixels
    (:func:`_grown`: more on balance, as a split leaf no longer stores its centre), whose levels
    :data:`GROWN_PASSES` more passes move, kept when the decoder comes closer (gray photos of codec photo sets
    16-17 at 0.1 bpp, seen: +0.053 dB; blind on set 18: +0.036 dB over gray and colour, where these bytes were
    before the chroma planes' slack; docs/benchmarks/codec_photos.md, "After 20"). Returns the code and its decoded
    plane."""
    from .inpaint import HomogeneousFill

    passes = DESCENT_PASSES if guide is None else CHROMA_DESCENT_PASSES
    code, err, plane = _descent(g, code, nbytes, fill, guide, params, passes)
    if guide is not None:
        return code, plane
    grown = _grown(g, code, plane, nbytes)
    if grown is code:
        return code, plane
    new, e, grown_plane = _descent(g, grown, nbytes, HomogeneousFill(grown.sub.mask), guide, params, GROWN_PASSES)
    return (new, grown_plane) if e < err else (code, plane)


def _descent(g: np.ndarray, code, nbytes: int, fill, guide, params, passes: int):
    """Up to ``passes`` passes of :func:`_descended`'s descent from ``code``, each kept only when the decoder
    comes closer to ``g``; the last kept code, its squared error and its decoded plane."""
    from .subdivision import MoveBits
    from .tonal import DecoderInpainting, descend_levels

    mask = code.sub.mask
    move_bits = MoveBits(code.sub, code.q) if passes else None

    def decoded(c):
        trace = []
        u = _inpaint(c.image(g.shape), mask, *params, guide, trace, fill)
        return float(np.sum((u - g) ** 2)), trace, u

    def fits(levels):
        return _fits(replace(code, levels=levels), nbytes)

    err, trace, plane = decoded(code)
    for _ in range(passes):
        op = DecoderInpainting(mask, trace, tol=TONAL_TOL, start=fill)
        price = DESCENT_BIT_PRICE * err / (8 * nbytes)
        levels = descend_levels(
            g, op, code.levels, code.q, code.lo, code.hi, gamma=code.gamma, fits=fits, move_bits=move_bits, bit_price=price
        )
        if np.array_equal(levels, code.levels):
            break
        new = replace(code, levels=levels)
        e, new_trace, new_plane = decoded(new)
        if e >= err:
            break
        code, err, trace, plane = new, e, new_trace, new_plane
    return code, err, plane


def _grown(g: np.ndarray, code, plane: np.ndarray, nbytes: int):
    """``code``'s tree with its leaves of largest decoded error (``plane``: its decoded plane) split while the
    section fits ``nbytes`` (:func:`.subdivision.refine_within`; a split leaf's centre is no longer stored); the
    pixels it keeps keep their levels, the new ones are quantised from ``g``; ``code`` itself when no split fits."""
    from .subdivision import refine_within

    kept = np.where(code.sub.mask, code.image(g.shape), g)  # quantising a level's own value gives the level back
    grown = refine_within(kept, code, (plane - g) ** 2, lambda c: _fits(c, nbytes), SEARCH_HALVINGS)
    return grown if grown.sub.flags.size > code.sub.flags.size else code


@dataclass
class _Decoded:
    """A gray or luma plane's code with what the decoder computes from it first: the homogeneous start, and the
    EED inpainting from there with the default :data:`LAMBDA`, :data:`SIGMA` (the encoder's searches share them)."""

    code: object
    start: np.ndarray
    plane: np.ndarray

    @classmethod
    def of(cls, code, shape) -> _Decoded:
        from .eed import eed_inpaint
        from .inpaint import homogeneous

        known = code.image(shape)
        start = homogeneous(known, code.sub.mask)  # as :func:`_inpaint`, the decoder's
        return cls(code, start, eed_inpaint(known, code.sub.mask, lam=LAMBDA, sigma=SIGMA, init=start))

    def error(self, g: np.ndarray) -> float:
        """Squared error of the default inpainting against the plane ``g``."""
        return float(np.sum((self.plane - g) ** 2))


def _best_code(g: np.ndarray, nbytes: int, ds, ladder=Q_LADDER, gammas=(), halvings=SEARCH_HALVINGS) -> _Decoded:
    """The plane's code at ``nbytes`` whose decoded plane has the least squared error among the split exponents
    ``d`` in ``ds`` and, for each, the quantisations ``q`` of :data:`Q_CANDIDATES`, then of ``ladder`` (which
    holds them) further out on the side of the best while the error falls (coarser levels buy more pixels; the
    error is unimodal in ``q`` on the design photos), then the best one's levels companded by each exponent of
    ``gammas`` (kept when closer), then refined by its decoded error (:func:`_refined`), every byte search halving
    its threshold's interval ``halvings`` times (:data:`SEARCH_HALVINGS`, at the fast setting
    :data:`FAST_SEARCH_HALVINGS`); ``ValueError`` when none fits."""
    best, err, failure = None, np.inf, None
    for d in ds:
        tried = {}

        def trial(q):
            nonlocal failure
            try:
                code = _plane_at_bytes(g, nbytes, q, d, halvings=halvings)
            except ValueError as exc:  # this (q, d) does not fit: _plane_at_bytes says so
                failure = exc
                tried[q] = (None, np.inf)
                return
            dec = _Decoded.of(code, g.shape)
            tried[q] = (dec, dec.error(g))

        for q in Q_CANDIDATES:
            trial(q)
        for step in (-1, 1):  # walk down from the fewest levels, or up from the most, while the error falls
            edge = Q_CANDIDATES[0 if step < 0 else -1]
            i = ladder.index(edge)
            while min(tried, key=lambda q: tried[q][1]) == edge and 0 <= i + step < len(ladder):
                i += step
                edge = ladder[i]
                trial(edge)
        dec, e = min(tried.values(), key=lambda t: t[1])
        if e < err:
            best, err = dec, e
    if best is None:
        raise failure
    q, d = best.code.q, best.code.d
    for gamma in gammas:  # the chosen q's levels companded towards the dark end
        try:
            dec = _Decoded.of(_plane_at_bytes(g, nbytes, q, d, gamma, halvings), g.shape)
        except ValueError:  # the companded levels' code does not fit even the root rectangle
            continue
        e = dec.error(g)
        if e < err:
            best, err = dec, e
    return _refined(g, nbytes, best, halvings)


def _refined(g: np.ndarray, nbytes: int, best: _Decoded, halvings: int = SEARCH_HALVINGS) -> _Decoded:
    """The plane of ``best``'s ``q`` and ``d`` subdivided, refined and swapped by its decoded error
    (:func:`_refined_at_bytes`, decoded by the luma's EED with the default parameters); ``best`` when that does
    not decode closer to ``g``."""
    decoded = []  # every decoding of the search, so that the chosen code's is not computed twice

    def decode(code):
        decoded.append(_Decoded.of(code, g.shape))
        return decoded[-1].plane

    try:
        code = _refined_at_bytes(g, nbytes, best.code, decode, halvings)
    except ValueError:  # the smaller share does not fit: nothing to refine
        return best
    new = next(dec for dec in decoded if dec.code is code)
    return new if new.error(g) < best.error(g) else best


class _Decoder:
    """The decoder's inpainting of a plane's codes (:func:`_inpaint`; ``guide``: the decoded luma, for a chroma
    plane), called with a code; ``seen`` keeps each code decoded, with its mask's homogeneous fill and the FED
    cycles' trace, by the code's ``id`` (tonal optimisation's refits start from them instead of inpainting the
    code once more: about 0.6 s per refit of a 512x512 plane). The caller clears it."""

    def __init__(self, shape, params=(LAMBDA, SIGMA), guide: np.ndarray | None = None):
        self.shape, self.params, self.guide = shape, params, guide
        self.seen = {}

    def __call__(self, code) -> np.ndarray:
        from .inpaint import HomogeneousFill

        fill, trace = HomogeneousFill(code.sub.mask), []
        plane = _inpaint(code.image(self.shape), code.sub.mask, *self.params, self.guide, trace, fill)
        self.seen[id(code)] = (code, fill, trace)  # the code itself too, so that its id is not reused
        return plane


def _refined_at_bytes(g: np.ndarray, nbytes: int, like, decode, halvings: int = SEARCH_HALVINGS):
    """:func:`_plane_at_bytes` with the ``q``, ``d`` and ``gamma`` of the code ``like`` at :data:`REFINE_START`
    of ``nbytes``, decoded (``decode``: a code's decoded plane), its leaves of largest decoded error split until
    ``nbytes`` are full (:func:`.subdivision.refine_within`), then :func:`_swapped` when that decodes closer;
    ``ValueError`` when the smaller share does not fit; every code it returns has been decoded."""
    from .subdivision import refine_within

    start = _plane_at_bytes(g, int(REFINE_START * nbytes), like.q, like.d, like.gamma, halvings)
    refined = refine_within(g, start, (decode(start) - g) ** 2, lambda c: _fits(c, nbytes), halvings)
    plane = decode(refined)
    swapped = _swapped(g, nbytes, refined, plane, decode, halvings)
    if swapped is refined or np.sum((decode(swapped) - g) ** 2) >= np.sum((plane - g) ** 2):
        return refined
    return swapped


def _swapped(g: np.ndarray, nbytes: int, code, plane: np.ndarray, decode, halvings: int = SEARCH_HALVINGS):
    """``code`` (decoded: ``plane``) with :data:`SWAP_SHARE` of ``nbytes`` moved from the splits that helped
    least to the leaves of largest decoded error.

    The gain of each last split (two leaves, :func:`.subdivision.last_splits`) is measured by the decoder: the
    increase of the squared error over its rectangle when all of them are undone at once (one more decoding).
    The splits of least gain are undone until the plane fits ``(1 - SWAP_SHARE) nbytes``; then
    :func:`.subdivision.refine_within` splits the leaves of largest error until ``nbytes`` are full, the error
    of an undone split's rectangle counted as its measured gain (so a split that did not help is not redone
    for the error that it left). The subdivision's estimate and the refinement rank rectangles by their
    error; the decoder says what a split gains."""
    from .subdivision import last_splits, merge, refine_within, summed_area

    rects = last_splits(code.sub)
    if not len(rects):
        return code
    error = (plane - g) ** 2
    loss = (decode(merge(g, code, rects)) - g) ** 2 - error
    table = summed_area(loss)
    y0, y1, x0, x1 = rects.T
    gain = table[y1 + 1, x1 + 1] - table[y0, x1 + 1] - table[y1 + 1, x0] + table[y0, x0]
    rects = rects[np.argsort(gain, kind="stable")]
    lo, hi = 0, len(rects)  # the fewest undone splits that free the share (the size falls as more are undone)
    while lo < hi:
        mid = (lo + hi) // 2
        if _fits(merge(g, code, rects[:mid]), (1 - SWAP_SHARE) * nbytes):
            hi = mid
        else:
            lo = mid + 1
    for r0, r1, c0, c1 in rects[:lo]:
        error[r0 : r1 + 1, c0 : c1 + 1] = np.maximum(loss[r0 : r1 + 1, c0 : c1 + 1], 0)
    return refine_within(g, merge(g, code, rects[:lo]), error, lambda c: _fits(c, nbytes), halvings)


def _best_params(g: np.ndarray, dec: _Decoded) -> tuple[tuple[float, float], np.ndarray]:
    """The ``(lambda, sigma)`` of :data:`PARAMS` whose EED inpainting of the gray or luma plane ``g`` from
    ``dec``'s code is closest to it (as R-EED, the diffusion's parameters are chosen per image), and that
    inpainting, which is the decoder's plane. The candidates start from the decoder's homogeneous start, which
    costs more than their FED cycles, and the default pair's is ``dec``'s own."""
    from .eed import eed_inpaint

    known, m = dec.code.image(g.shape), dec.code.sub.mask

    def inpainting(p):
        return dec.plane if p == (LAMBDA, SIGMA) else eed_inpaint(known, m, lam=p[0], sigma=p[1], init=dec.start)

    planes = {p: inpainting(p) for p in PARAMS}
    best = min(PARAMS, key=lambda p: float(np.sum((planes[p] - g) ** 2)))
    return best, planes[best]


def encode(f: np.ndarray, bpp: float, *, tonal_iterations: int = 0) -> tuple[bytes, np.ndarray]:
    """Code the prepared image ``f`` (float ``(H, W, C)``, 0..255, C in 1, 3) in at most ``bpp H W / 8`` bytes.

    Returns ``(data, reconstruction)``: the ``.mlg`` stream and the decoder's float image (so that the mode
    choice needs no second decode). ``ValueError`` when the rate is too small for this mode.
    """
    H, W, C = f.shape
    budget = int(bpp * H * W / 8)
    planes = np.clip(np.rint(f[..., 0:1] if C == 1 else rgb_to_ycbcr(f, offset=128.0)), 0, 255)
    header = Header(H, W, C, flags=FLAG_INTERLEAVED | FLAG_MIXED_VALUES, mode=MODE_PHOTO)
    empty = Container(header, {SECTION_PHOTO + k: b"" for k in range(C)})
    avail = budget - len(pack(empty)) - 3 * C  # the section lengths' varints grow by up to 3 bytes each
    shares = (1.0,) if C == 1 else COLOUR_SHARES
    q = default_q(bpp)
    halvings = SEARCH_HALVINGS if tonal_iterations else FAST_SEARCH_HALVINGS
    codes = [None] * C
    for k in range(C - 1, 0, -1):  # chroma first: the luma takes what they leave
        codes[k] = _plane_at_bytes(planes[..., k], int(shares[k] * avail), q, halvings=halvings)
    nbytes = avail - sum(len(_payload(c)) for c in codes[1:])
    search = (
        (SUBDIVISION_EXPONENTS, Q_LADDER, ())
        if tonal_iterations
        else (SUBDIVISION_EXPONENTS[:1], Q_LADDER_FAST, LEVEL_GAMMAS)
    )
    first = _best_code(planes[..., 0], nbytes, *search, halvings)
    codes[0] = first.code
    # one (lambda, sigma) for every plane, chosen on the luma (the chroma planes diffuse with its tensor; a
    # choice of their own added <= 0.05 dB on the design photos)
    params, luma = _best_params(planes[..., 0], first)
    decoded = [luma] + [None] * (C - 1)  # each plane as the decoder inpaints it, where the encoder has it
    if tonal_iterations:  # luma first: the chroma planes are decoded with the decoded luma's tensor
        codes[0], decoded[0] = _tonal(planes[..., 0], codes[0], tonal_iterations, nbytes, params=params)
        iterations = max(1, round(CHROMA_TONAL_SHARE * tonal_iterations))
        for k in range(1, C):  # each may grow into what the planes leave of the budget
            slack = avail - sum(len(_payload(c)) for c in codes)
            nb = len(_payload(codes[k])) + slack
            codes[k], decoded[k] = _tonal(planes[..., k], codes[k], iterations, nb, decoded[0], params)
    decoded = [None if u is None else (u, c.sub.mask) for u, c in zip(decoded, codes)]
    if codes[0].gamma != 1:  # the same header size: the flags are one byte
        header = replace(header, flags=header.flags | FLAG_LEVEL_GAMMA)
    cont = Container(header, {SECTION_PHOTO + k: _payload(c, *params) for k, c in enumerate(codes)})
    data = pack(cont)
    if len(data) > budget:  # cannot happen with the overhead reserved above; kept as the rate guarantee
        raise ValueError(f"photo mode: {len(data)} bytes over the budget of {budget}")
    return data, decode(cont, decoded)[0]


def _plane(payload: bytes, shape, model: int, companded: bool, guide: np.ndarray | None = None):
    """Decode one plane's section and inpaint it (``model``: the values' model, :mod:`.subdivision`;
    ``companded``: the section holds its levels' gamma, for the gray or luma plane of a file with the header's
    ``FLAG_LEVEL_GAMMA``; ``guide``: the decoded luma, for a chroma plane)."""
    from .subdivision import decode_plane, decode_points, dequantise

    r = Reader(payload)
    n_flags = r.varint()
    q, lo, hi, lam10, sigma10 = r.take(5)
    gamma100 = r.take(1)[0] if companded else 100
    if q < 2 or lo > hi or lam10 < 1 or gamma100 < 1:
        raise CodecError(
            f"invalid photo-mode parameters (q={q}, range {lo}..{hi}, 10 lambda={lam10}, 100 gamma={gamma100})"
        )
    try:
        if model in (INTERLEAVED, MIXED):
            mask, levels = decode_plane(r.take(r.remaining), shape, q, n_flags, model)
        else:
            tree = r.take(r.varint())
            mask, levels = decode_points(tree, r.take(r.remaining), shape, q, n_flags, model)
    except ValueError as exc:
        raise CodecError(str(exc)) from None
    known = np.zeros(shape)
    known[mask] = dequantise(levels, q, lo, hi, gamma100 / 100.0)
    return _inpaint(known, mask, lam10 / 10.0, sigma10 / 10.0, guide), mask


def decode(cont: Container, decoded: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Decode a photo-mode container: ``(image float (H, W, C) on 0..255, stored pixels of the first plane)``;
    ``decoded``: the encoder's ``(plane, stored pixels)`` of each plane already inpainted as the decoder does
    (None for a plane it has not), so that its reconstruction costs no second inpainting of them."""
    h = cont.header
    shape = (h.height, h.width)
    out = np.empty((h.height, h.width, h.channels))
    missing = [SECTION_PHOTO + k for k in range(h.channels) if SECTION_PHOTO + k not in cont.sections]
    if missing:
        raise CodecError(f"missing section {missing[0]}")
    if h.flags & FLAG_MIXED_VALUES and not h.flags & FLAG_INTERLEAVED:
        raise CodecError("photo mode: mixed values without the interleaved stream")
    model = (
        MIXED if h.flags & FLAG_MIXED_VALUES
        else INTERLEAVED if h.flags & FLAG_INTERLEAVED
        else TREE if h.flags & FLAG_TREE_VALUES
        else RASTER if h.flags & FLAG_PREDICTIVE_VALUES
        else ORDER0
    )
    companded = bool(h.flags & FLAG_LEVEL_GAMMA)
    decoded = [None] * h.channels if decoded is None else decoded
    masks = []
    for k in range(h.channels):  # the gray or luma plane, then chroma guided by it
        guide = out[..., 0] if k else None
        plane, mask = decoded[k] or _plane(cont.sections[SECTION_PHOTO + k], shape, model, companded and not k, guide)
        out[..., k] = plane
        masks.append(mask)
    if h.channels == 3:
        out = ycbcr_to_rgb(out, offset=128.0)
    return np.clip(out, 0, 255), masks[0]
