"""Clustering scored pairs into persons under the constraints a registry imposes.

Connected components at a threshold chain records transitively: a permit applicant ``Carla
Janssen`` without a birth date links to two different Carla Janssens, and the two become one
person. Here, edges are taken strongest first into a union-find, and a union is refused when it
would put into one person:

- two different BSN pseudonyms (different BSNs are different people, whatever the names say);
- two full birth dates that cannot be the same (equal, day and month swapped, or one typo apart is
  compatible);
- two records a reviewer decided are ``no match``.

A reviewer's ``match`` is applied before anything else and outweighs a birth-date conflict (the
reviewer saw both records), but never joins two BSN pseudonyms.

Records with neither a pseudonym nor a full birth date ("unanchored") join an anchored person only
when that person clearly beats the next candidate (by ``margin`` in match probability); otherwise
they stay apart, because guessing would accuse the wrong person. One that is still alone then joins
the person of its namesakes (same surname, compatible given names) who dominates them, and dominates
the unknown namesake who is not in the registers at all: Splink's pairwise prior cannot see that a
portfolio owner's Kadaster rights without a birth date, and his permits (which never carry one),
are his.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["constrained_clusters"]

IntArray = npt.NDArray[np.int64]


class _Components:
    """Union-find that keeps, per component, its anchors and the nodes it must never join.

    A node that has joined nothing is described by its own pseudonym and birth date; the sets of
    members, pseudonyms and birth dates are kept only for roots of joined components (most nodes
    join nothing, and a shard has hundreds of thousands).
    """

    def __init__(self, pseudonym: list[str | None], dob: list[tuple[int, int, int] | None]) -> None:
        n = len(pseudonym)
        self.parent = list(range(n))
        self._pseudonym = pseudonym
        self._dob = dob
        # roots of joined components only
        self.members: dict[int, set[int]] = {}
        self.pseudonyms: dict[int, set[str]] = {}
        self.dobs: dict[int, set[tuple[int, int, int]]] = {}
        self.forbidden: dict[int, set[int]] = {}

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def forbid(self, a: int, b: int) -> None:
        self.forbidden.setdefault(a, set()).add(b)
        self.forbidden.setdefault(b, set()).add(a)

    def _members_of(self, root: int) -> set[int]:
        return self.members.get(root) or {root}

    def _pseudonyms_of(self, root: int) -> set[str]:
        if root in self.members:
            return self.pseudonyms.get(root, set())
        p = self._pseudonym[root]
        return {p} if p is not None else set()

    def _dobs_of(self, root: int) -> set[tuple[int, int, int]]:
        if root in self.members:
            return self.dobs.get(root, set())
        d = self._dob[root]
        return {d} if d is not None else set()

    def compatible(self, ra: int, rb: int, *, reviewed: bool = False) -> bool:
        if not self.forbidden and ra not in self.members and rb not in self.members:
            # two nodes that have joined nothing yet (most unions): their own values, no sets
            p, q = self._pseudonym[ra], self._pseudonym[rb]
            if p is not None and q is not None and p != q:
                return False
            d, e = self._dob[ra], self._dob[rb]
            return reviewed or d is None or e is None or _same_birth(d, e)
        pa, pb = self._pseudonyms_of(ra), self._pseudonyms_of(rb)
        if pa and pb and pa != pb:
            return False
        if not reviewed:
            da, db = self._dobs_of(ra), self._dobs_of(rb)
            # one and the same birth date on both sides, the common case, needs no pairing
            same = len(da) == 1 and da == db
            if da and db and not same and not all(_same_birth(x, y) for x in da for y in db):
                return False
        if not self.forbidden:
            return True
        ma, mb = self._members_of(ra), self._members_of(rb)
        small, large = (ma, mb) if len(ma) <= len(mb) else (mb, ma)
        return not any(self.forbidden.get(m, set()) & large for m in small)

    def union(self, a: int, b: int, *, reviewed: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not self.compatible(ra, rb, reviewed=reviewed):
            return False
        ma, mb = self._members_of(ra), self._members_of(rb)
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        pseudonyms = self._pseudonyms_of(ra) | self._pseudonyms_of(rb)
        dobs = self._dobs_of(ra) | self._dobs_of(rb)
        self.parent[rb] = ra
        self.members.pop(rb, None)
        self.pseudonyms.pop(rb, None)
        self.dobs.pop(rb, None)
        ma |= mb
        self.members[ra] = ma
        if pseudonyms:
            self.pseudonyms[ra] = pseudonyms
        if dobs:
            self.dobs[ra] = dobs
        return True


def _to_local(edges: pl.DataFrame, local: IntArray) -> pl.DataFrame:
    """``edges`` with ``_a, _b`` as indices among the involved nodes."""
    return edges.with_columns(
        pl.Series("_a", local[edges.get_column("_a").to_numpy().astype(np.int64)]),
        pl.Series("_b", local[edges.get_column("_b").to_numpy().astype(np.int64)]),
    )


#: A namesake person with at least this many records, and this many times the records of the
#: next namesake, takes an unanchored record of that name: the portfolio owner with two hundred
#: Kadaster rights, not the retired namesake with one home (a prior in proportion to how often
#: each appears in the registers, as Splink's term frequencies are for names).
DOMINANT_RECORDS = 20
DOMINANT_RATIO = 20.0


def _join_dominant_namesake(comps: _Components, namesakes: pl.DataFrame, records: IntArray) -> None:
    """Join each unanchored node still alone to the namesake person who dominates its namesakes."""
    a = namesakes.get_column("_a").to_numpy().astype(np.int64)
    b = namesakes.get_column("_b").to_numpy().astype(np.int64)
    alone = np.array(
        [comps.find(int(x)) == x and int(x) not in comps.members for x in a.tolist()], dtype=bool
    )
    if not alone.any():
        return
    n = len(comps.parent)
    root_of = np.array([comps.find(i) for i in range(n)], dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    np.add.at(size, root_of, records)
    roots = root_of[b[alone]]
    full = (
        namesakes.get_column("_all_given").to_numpy().astype(bool)
        if "_all_given" in namesakes.columns
        else np.zeros(len(a), dtype=bool)
    )
    per_root = (
        pl.DataFrame(
            {"weak": a[alone], "root": roots, "anchor": b[alone], "size": size[roots], "full": full[alone]}
        )
        .group_by("weak", "root")
        .agg(pl.col("anchor").first(), pl.col("size").first(), pl.col("full").any())
        .sort(["weak", "size", "root"], descending=[False, True, False])
    )
    dominant = (
        per_root.group_by("weak", maintain_order=True)
        .agg(
            pl.col("anchor").first(),
            pl.col("size").first().alias("best"),
            pl.col("size").slice(1, 1).first().alias("second"),
            pl.col("full").first(),
        )
        # Somebody the registers do not know (an owner living elsewhere) may bear the name too: he
        # counts as a namesake with one record, so a sole namesake must dominate as well; unless
        # the record names every one of the person's two or more given names (``L.F.N. Vliegen``
        # and Lies Fleur Noor Vliegen, the only one so named in the registers).
        .filter(
            (
                (pl.col("best") >= DOMINANT_RECORDS)
                & (pl.col("best") >= DOMINANT_RATIO * pl.col("second").fill_null(1))
            )
            | (pl.col("second").is_null() & pl.col("full"))
        )
        .sort("weak")
    )
    for w, anchor in dominant.select("weak", "anchor").iter_rows():
        comps.union(int(w), int(anchor))


def _same_birth(x: tuple[int, int, int], y: tuple[int, int, int]) -> bool:
    """Whether two full birth dates can be one person's: equal, day and month swapped, or one typo.

    A typo is one digit of ``YYYYMMDD`` written wrong, or two adjacent digits swapped (``1980`` for
    ``1981``): registries other than the BRP copy birth dates by hand. Pairwise over a person's
    dates, so typos do not drift from one date to the next.
    """
    if x == y or (x[0] == y[0] and x[1] == y[2] and x[2] == y[1]):
        return True
    a, b = (f"{d[0]:04d}{d[1]:02d}{d[2]:02d}" for d in (x, y))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    i, j = diff if len(diff) == 2 else (0, 0)
    return j == i + 1 and a[i] == b[j] and a[j] == b[i]


def constrained_clusters(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    threshold: float,
    margin: float = 0.05,
    unanchored_threshold: float = 0.9,
    namesakes: pl.DataFrame | None = None,
) -> IntArray:
    """Cluster labels per node (index = ``_node``).

    Args:
        nodes: ``_node`` (0..n-1), ``bsn_pseudoniem`` (or null), ``geb_jaar``, ``geb_maand``,
            ``geb_dag`` (null or 0 where unknown).
        edges: ``_a, _b, match_probability`` and optionally ``besluit`` between nodes; reviewed
            ``match`` pairs are joined first, reviewed ``no match`` pairs (probability 0.0) become
            cannot-link constraints.
        threshold: Minimum probability of an edge that may join two nodes.
        margin: How much an unanchored node's best anchored person must beat the runner-up.
        unanchored_threshold: Minimum probability of an edge between two unanchored nodes.
        namesakes: ``_a, _b``: an unanchored node ``_a`` and an anchored node ``_b`` whose names
            agree (surname, compatible given names). An unanchored node still alone after the
            scored edges joins the person of its namesakes who holds far more records than the
            next, or than one unknown namesake outside the registers (:data:`DOMINANT_RECORDS`,
            :data:`DOMINANT_RATIO`; ``n_records`` in ``nodes``, 1 each without it), or the sole
            namesake person when ``_all_given`` (optional) says the unanchored node names all of
            its two or more given names. None: no such step.
    """
    nodes = nodes.sort("_node")
    n_all = nodes.height
    # Only nodes with an edge can join anything: the union-find holds those (local indices), every
    # other node is its own person. At national scale most of the tens of millions of nodes are
    # BRP residents no other record names.
    ends = [edges.get_column("_a"), edges.get_column("_b")]
    if namesakes is not None:
        ends += [namesakes.get_column("_a"), namesakes.get_column("_b")]
    involved = pl.concat([e.cast(pl.Int64) for e in ends]).unique().sort().to_numpy()
    local = np.full(n_all, -1, dtype=np.int64)
    local[involved] = np.arange(len(involved), dtype=np.int64)
    nodes = nodes[involved]
    edges = _to_local(edges, local)
    full = (
        (pl.col("geb_jaar").fill_null(0) > 0)
        & (pl.col("geb_maand").fill_null(0) > 0)
        & (pl.col("geb_dag").fill_null(0) > 0)
    )
    dob_rows = nodes.select(
        pl.when(full).then(pl.concat_list("geb_jaar", "geb_maand", "geb_dag")).otherwise(None).alias("d")
    )["d"].to_list()
    dobs = [None if d is None else (int(d[0]), int(d[1]), int(d[2])) for d in dob_rows]
    comps = _Components(nodes["bsn_pseudoniem"].to_list(), dobs)

    for a, b in edges.filter(pl.col("match_probability") <= 0.0).select("_a", "_b").iter_rows():
        comps.forbid(int(a), int(b))
    # 0. a reviewer's "match" comes first and outweighs a birth-date conflict (not two BSNs)
    if "besluit" in edges.columns:
        for a, b in edges.filter(pl.col("besluit") == "match").select("_a", "_b").iter_rows():
            comps.union(int(a), int(b), reviewed=True)

    strong = edges.filter(pl.col("match_probability") >= threshold).sort(
        ["match_probability", "_a", "_b"], descending=[True, False, False]
    )
    pseudonyms = nodes["bsn_pseudoniem"].to_list()
    anchored_node = np.array(
        [p is not None or d is not None for p, d in zip(pseudonyms, dobs, strict=True)], dtype=bool
    )  # typed: without edges the list is empty
    a_arr = strong["_a"].to_numpy().astype(np.int64)
    b_arr = strong["_b"].to_numpy().astype(np.int64)
    p_arr = strong["match_probability"].to_numpy()

    # 1. anchored with anchored, strongest first
    both = anchored_node[a_arr] & anchored_node[b_arr]
    for a, b in zip(a_arr[both].tolist(), b_arr[both].tolist(), strict=True):
        comps.union(a, b)

    # 2. unanchored nodes join their clearly best anchored person
    one = anchored_node[a_arr] ^ anchored_node[b_arr]
    weak = np.where(anchored_node[a_arr[one]], b_arr[one], a_arr[one])
    anchor = np.where(anchored_node[a_arr[one]], a_arr[one], b_arr[one])
    if len(weak):
        roots = np.array([comps.find(int(x)) for x in anchor.tolist()], dtype=np.int64)
        cand = (
            pl.DataFrame({"weak": weak, "root": roots, "anchor": anchor, "p": p_arr[one]})
            .group_by("weak", "root")
            .agg(pl.col("p").max(), pl.col("anchor").first())
            .sort(["weak", "p", "root"], descending=[False, True, False])
            .group_by("weak", maintain_order=True)
            .agg(
                pl.col("anchor").first(),
                pl.col("p").first().alias("best"),
                pl.col("p").slice(1, 1).first().alias("second"),
            )
            .filter(pl.col("second").is_null() | (pl.col("best") - pl.col("second") >= margin))
            .sort(["best", "weak"], descending=[True, False])
        )
        for w, a in cand.select("weak", "anchor").iter_rows():
            comps.union(int(w), int(a))

    # 2b. an unanchored node still alone joins the namesake person who dominates its namesakes
    if namesakes is not None and namesakes.height:
        records = (
            nodes.get_column("n_records").cast(pl.Int64).to_numpy()
            if "n_records" in nodes.columns
            else np.ones(nodes.height, dtype=np.int64)
        )
        _join_dominant_namesake(comps, _to_local(namesakes, local), records)

    # 3. unanchored with unanchored, only on near-certain edges (the constraints still hold through
    # what they joined): nothing but the name and the address speaks for these.
    neither = ~anchored_node[a_arr] & ~anchored_node[b_arr] & (p_arr >= unanchored_threshold)
    for a, b in zip(a_arr[neither].tolist(), b_arr[neither].tolist(), strict=True):
        comps.union(a, b)

    labels = np.arange(n_all, dtype=np.int64)
    roots = np.array([comps.find(i) for i in range(nodes.height)], dtype=np.int64)
    labels[involved] = involved[roots] if len(roots) else roots
    return labels
