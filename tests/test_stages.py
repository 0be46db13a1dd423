"""Each pipeline stage against a slow, obviously correct reference written here."""

from __future__ import annotations

import itertools
import unicodedata
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import xxhash
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from syndet import cluster, lsh, minhash, normalize, shingle, verify
from syndet._hashing import xxh64_ranges

# Characters Python's unicodedata knows (unassigned code points may be assigned differently by
# other Unicode versions; they are separators to syndet either way).
ASSIGNED = st.characters(
    blacklist_categories=("Cs",),
).filter(lambda c: unicodedata.category(c) != "Cn")
NEWSY = st.sampled_from(list("abcXYZ éÉßçñøÅ'’‘“”—–-.,;:!? \n\t0123456789ΣςσДжﬁ½ʼ\u0301e"))
TEXT = st.text(st.one_of(ASSIGNED, NEWSY, NEWSY), max_size=80)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_normalize(text: str) -> str:
    """The documented rules, written out plainly and iterated to a fixed point."""
    while True:
        s = unicodedata.normalize("NFKC", text)
        s = unicodedata.normalize("NFKC", s.casefold())
        out = []
        for ch in s:
            if ch in "'\u2018\u2019\u201a\u201b\u2032\u2035\uff07":
                continue
            out.append(ch if unicodedata.category(ch)[0] in "LMN" else " ")
        s = " ".join("".join(out).split())
        if s == text:
            return s
        text = s


def norm_batch(texts: list[str]) -> normalize.NormalizedBatch:
    return normalize.normalize_batch(pa.array(texts, type=pa.large_string()))


# -- normalize ----------------------------------------------------------------------------------


@FAST
@given(st.lists(TEXT, max_size=8))
def test_normalize_batch_equals_reference(texts: list[str]) -> None:
    batch = norm_batch(texts)
    assert [batch.text(i) for i in range(len(texts))] == [reference_normalize(t) for t in texts]
    assert [normalize.normalize_text(t) for t in texts] == [reference_normalize(t) for t in texts]


@FAST
@given(TEXT)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize.normalize_text(text)
    assert normalize.normalize_text(once) == once
    assert norm_batch([once]).text(0) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("“Don’t PANIC” — it’s fine.", "dont panic its fine"),
        ("Zoë Ångström met Ørsted in São Tomé", "zoë ångström met ørsted in são tomé"),
        ("ΟΔΟΣ Μόσχα Москва", "οδοσ μόσχα москва"),
        ("Straße ﬁnal ½", "strasse final 1 2"),
        ("e\u0301te", "éte"),
        ("  many\n\n spaces\t", "many spaces"),
        ("U.S.-based", "u s based"),
        ("", ""),
        ("!!!", ""),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize.normalize_text(raw) == expected
    assert norm_batch([raw]).text(0) == expected


def test_normalize_batch_handles_nulls_and_slices() -> None:
    arr = pa.array(["skip me", None, "Hello, World", "x"], type=pa.string()).slice(1)
    batch = normalize.normalize_batch(arr)
    assert [batch.text(i) for i in range(3)] == ["", "hello world", "x"]
    assert batch.word_counts().tolist() == [0, 2, 1]


# -- shingle ------------------------------------------------------------------------------------


def reference_shingles(text: str, k: int, seed: int = 0) -> list[int]:
    words = reference_normalize(text).split()
    return [
        xxhash.xxh64_intdigest(" ".join(words[i : i + k]).encode(), seed)
        for i in range(len(words) - k + 1)
    ]


@FAST
@given(st.lists(TEXT, max_size=6), st.integers(1, 6), st.integers(0, 2**64 - 1))
def test_shingle_batch_equals_xxhash_reference(texts: list[str], k: int, seed: int) -> None:
    nb = norm_batch(texts)
    sb = shingle.shingle_batch(nb.offsets, nb.data, k, seed)
    for i, t in enumerate(texts):
        assert sb.doc(i).tolist() == reference_shingles(t, k, seed)


@FAST
@given(st.binary(max_size=200), st.integers(0, 2**64 - 1))
def test_xxh64_kernel_matches_xxhash(data: bytes, seed: int) -> None:
    arr = np.frombuffer(data, dtype=np.uint8)
    # every prefix length exercises the 32/8/4/1-byte tails
    cuts = np.array([0, len(data) // 3, len(data)], dtype=np.int64)
    got = xxh64_ranges(cuts, arr, seed)
    want = [
        xxhash.xxh64_intdigest(data[: cuts[1]], seed),
        xxhash.xxh64_intdigest(data[cuts[1] :], seed),
    ]
    assert got.tolist() == want


def test_unique_shingles_sorted_sets() -> None:
    sb = shingle.ShingleBatch(
        np.array([0, 4, 4, 7]), np.array([5, 3, 5, 1, 9, 9, 2], dtype=np.uint64)
    )
    u = shingle.unique_shingles(sb)
    assert [u.doc(i).tolist() for i in range(3)] == [[1, 3, 5], [], [2, 9]]
    taken = sb.take(np.array([2, 0]))
    assert [taken.doc(i).tolist() for i in range(2)] == [[9, 9, 2], [5, 3, 5, 1]]


# -- minhash ------------------------------------------------------------------------------------

HASH_SETS = st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=40), min_size=1, max_size=5)


@settings(max_examples=40, deadline=None)
@given(HASH_SETS, st.sampled_from(["affine64", "legacy"]), st.integers(0, 1000))
def test_signatures_equal_datasketch(sets: list[list[int]], scheme: str, seed: int) -> None:
    from datasketch import MinHash

    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sets]))).astype(np.int64)
    hashes = np.array(list(itertools.chain.from_iterable(sets)), dtype=np.uint64)
    sig = minhash.signature_batch(offsets, hashes, num_perm=32, seed=seed, scheme=scheme)
    for i, s in enumerate(sets):
        m = MinHash(num_perm=32, seed=seed, scheme=scheme, hashfunc=lambda x: x)
        if s:
            m.update_batch(s)
        assert np.array_equal(m.hashvalues.astype(np.uint64), sig[i])
        lean = minhash.to_lean_minhash(sig[i], seed=seed, scheme=scheme)
        assert lean.jaccard(m) == 1.0


def test_minhash_estimate_within_error_bound() -> None:
    rng = np.random.default_rng(7)
    num_perm = 256
    for true_j in (0.1, 0.3, 0.5, 0.8):
        n = 2000
        shared = round(2 * n * true_j / (1 + true_j))
        pool = rng.integers(0, 2**63, size=2 * n, dtype=np.uint64)
        a = pool[:n]
        b = np.concatenate([pool[:shared], pool[n : 2 * n - shared]])
        exact = len(np.intersect1d(a, b)) / len(np.union1d(a, b))
        offsets = np.array([0, n, 2 * n], dtype=np.int64)
        sig = minhash.signature_batch(offsets, np.concatenate([a, b]), num_perm=num_perm)
        est = float(np.mean(sig[0] == sig[1]))
        # 4 standard errors of a binomial mean: fails by chance about once in 15,000 runs.
        bound = 4 * np.sqrt(exact * (1 - exact) / num_perm)
        assert abs(est - exact) <= bound, (true_j, exact, est)


# -- lsh ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.3, 64), (0.5, 128), (0.8, 128)])
def test_optimal_params_match_datasketch(threshold: float, num_perm: int) -> None:
    from datasketch.lsh import _optimal_param

    assert lsh.optimal_params(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def reference_candidates(sig: np.ndarray, bands: int, rows: int, rank: np.ndarray, cap: int):
    """Dict-of-lists buckets, all pairs, stars above the cap."""
    out = set()
    for band in range(bands):
        buckets: dict[tuple[int, ...], list[int]] = {}
        for d in range(sig.shape[0]):
            buckets.setdefault(tuple(sig[d, band * rows : (band + 1) * rows]), []).append(d)
        for members in buckets.values():
            members.sort(key=lambda d: rank[d])
            if len(members) > cap:
                out.update((members[0], m) for m in members[1:])
            else:
                out.update(itertools.combinations(members, 2))
    return sorted(out, key=lambda p: (rank[p[0]], rank[p[1]]))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 40),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(2, 6),
    st.randoms(use_true_random=False),
)
def test_candidate_pairs_equal_dict_reference(n, bands, rows, cap, rnd) -> None:
    # few distinct values so that buckets form and some exceed the cap
    sig = np.array(
        [[rnd.randrange(3) for _ in range(bands * rows)] for _ in range(n)], dtype=np.uint64
    )
    rank = np.array(rnd.sample(range(n), n), dtype=np.int64)
    keys = lsh.band_keys(sig, bands, rows)
    pairs, stats = lsh.candidate_pairs(keys, rank, max_bucket=cap)
    want = reference_candidates(sig, bands, rows, rank, cap)
    assert [tuple(p) for p in pairs.tolist()] == want
    assert stats.candidate_pairs == len(want)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([0, 1, 7, 2**63, 2**64 - 1, 12345678901234567]), max_size=60))
def test_equal_keys_are_one_bucket_whatever_their_value(values: list[int]) -> None:
    # 0 and 2**64 - 1 included: the hash table that finds shared keys must not take either
    # for an empty slot
    keys = np.array(values, dtype=np.uint64).reshape(1, -1)
    pairs, _ = lsh.candidate_pairs(keys, np.arange(len(values)), max_bucket=64)
    n = len(values)
    want = [(i, j) for i in range(n) for j in range(i + 1, n) if values[i] == values[j]]
    assert [tuple(p) for p in pairs.tolist()] == want


def test_huge_bucket_is_capped_and_reported() -> None:
    n = 3000
    sig = np.zeros((n, 8), dtype=np.uint64)  # 3,000 identical pages
    keys = lsh.band_keys(sig, 4, 2)
    pairs, stats = lsh.candidate_pairs(keys, np.arange(n), max_bucket=50)
    assert len(pairs) == n - 1  # a star, not 4.5 million pairs
    assert stats.capped_buckets == 4
    assert stats.pairs_not_expanded == 4 * (n * (n - 1) // 2 - (n - 1))


# -- verify -------------------------------------------------------------------------------------


@FAST
@given(st.lists(st.frozensets(st.integers(0, 60), max_size=40), min_size=2, max_size=6))
def test_overlap_equals_python_sets(sets: list[frozenset[int]]) -> None:
    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sets]))).astype(np.int64)
    hashes = np.array([h for s in sets for h in sorted(s)], dtype=np.uint64)
    pairs = np.array(list(itertools.combinations(range(len(sets)), 2)), dtype=np.int64)
    inter, sa, sb = verify.overlap(offsets, hashes, pairs)
    scores = verify.classify(
        inter,
        sa,
        sb,
        np.zeros(len(pairs), bool),
        syndicated_min=0.6,
        partial_min=0.6,
        rewritten_min=0.2,
        min_shared_words=1,
    )
    for p, (i, j) in enumerate(pairs.tolist()):
        a, b = sets[i], sets[j]
        assert inter[p] == len(a & b)
        if a and b:
            assert scores["jaccard"][p] == pytest.approx(len(a & b) / len(a | b))
            assert scores["containment_a"][p] == pytest.approx(len(a & b) / len(a))
            assert scores["containment_b"][p] == pytest.approx(len(a & b) / len(b))


CUTOFFS: dict[str, Any] = {
    "k": 5,
    "syndicated_min": 0.6,
    "partial_min": 0.6,
    "partial_block": 0.5,
    "rewritten_min": 0.1,
}


def test_classify_relations() -> None:
    # (inter, |A|, |B|, same text, words of a / of b in shared passages, longest) -> relation
    cases = [
        ((100, 100, 100, True, 104, 104, 104), "duplicate"),
        ((80, 100, 110, False, 90, 90, 90), "syndicated"),
        ((100, 100, 400, False, 104, 104, 104), "partial"),  # a is inside b
        ((40, 200, 220, False, 100, 100, 90), "partial"),  # one dominant verbatim block
        ((40, 200, 220, False, 100, 100, 30), "rewritten"),  # reuse spread over short passages
        ((5, 100, 120, False, 9, 9, 9), "none"),
        ((60, 400, 400, False, 70, 70, 70), "none"),  # fewer shared words than the minimum
        ((100, 1200, 1400, False, 104, 104, 30), "none"),  # c_max under rewritten_min
    ]
    cols = [np.array(x) for x in zip(*[c for c, _ in cases], strict=True)]
    inter, a, b, same, cov_a, cov_b, longest = cols
    out = verify.classify(
        inter,
        a,
        b,
        same.astype(bool),
        covered_a=cov_a,
        covered_b=cov_b,
        longest=longest,
        **CUTOFFS,
        min_shared_words=80,
    )
    assert [verify.RELATIONS[c] for c in out["relation"]] == [r for _, r in cases]
    assert out["shared_words"].tolist() == np.minimum(cov_a, cov_b).tolist()


def test_short_text_rule_only_for_short_texts() -> None:
    # Shared words under min_shared_words (95) are reuse only in a short text: 60 shared words
    # are a third of a 176-word answer (a copy) but, like 90 of a 296-word article, only
    # background when the shorter article is longer than short_text_words.
    words_a = np.array([176, 296, 296, 176])
    shared = np.array([60, 90, 100, 48])  # 100: enough anywhere; 48: under the floor
    out = verify.classify(
        np.array([50, 50, 50, 40]),
        words_a - 4,  # shingles of k = 5 words
        np.full(4, 600),
        np.zeros(4, dtype=bool),
        covered_a=shared,
        covered_b=shared,
        longest=shared,
        **CUTOFFS,
        min_shared_words=95,
        min_shared_floor=52,
        min_shared_share=0.25,
        short_text_words=280,
    )
    assert [verify.RELATIONS[c] for c in out["relation"]] == ["partial", "none", "partial", "none"]


def ragged(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and values of a ragged uint64 array."""
    offsets = np.concatenate(([0], np.cumsum([len(x) for x in rows]))).astype(np.int64)
    return offsets, np.array([h for x in rows for h in x], dtype=np.uint64)


def reference_cover(seq: list[int], other: set[int], k: int, min_words: int = 1) -> tuple[int, int]:
    """Words inside maximal runs of shingles found in ``other`` that span ``min_words``+."""
    runs: list[tuple[int, int]] = []  # (first shingle, shingles)
    for i, h in enumerate(seq):
        if h in other:
            if runs and runs[-1][0] + runs[-1][1] == i:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1)
            else:
                runs.append((i, 1))
    kept = [(i, n + k - 1) for i, n in runs if n + k - 1 >= min_words]
    covered = {w for i, words in kept for w in range(i, i + words)}
    return len(covered), max((words for _, words in kept), default=0)


@FAST
@given(
    st.lists(st.lists(st.integers(0, 12), max_size=30), min_size=2, max_size=5),
    st.integers(1, 5),
    st.integers(1, 10),
)
def test_passages_equal_reference(seqs: list[list[int]], k: int, min_words: int) -> None:
    seq_off, seq = ragged(seqs)
    uniq = [sorted(set(x)) for x in seqs]
    set_off, sets = ragged(uniq)
    pairs = np.array(list(itertools.permutations(range(len(seqs)), 2)), dtype=np.int64)
    cov_a, cov_b, longest = verify.passages(
        seq_off, seq, set_off, sets, pairs, k, min_words=min_words
    )
    for p, (i, j) in enumerate(pairs.tolist()):
        ca, la = reference_cover(seqs[i], set(seqs[j]), k, min_words)
        cb, lb = reference_cover(seqs[j], set(seqs[i]), k, min_words)
        assert (cov_a[p], cov_b[p], longest[p]) == (ca, cb, max(la, lb))


@FAST
@given(
    st.lists(
        st.lists(st.sampled_from([0, 1, 2, 3, 16, 17, 32, 2**63, 2**64 - 1]), max_size=40),
        min_size=2,
        max_size=5,
    ),
    st.integers(1, 5),
    st.integers(1, 10),
)
def test_seq_overlap_equals_sets_and_reference(
    seqs: list[list[int]], k: int, min_words: int
) -> None:
    # values that share their low bits collide in the tables: probing must still find them
    seq_off, seq = ragged(seqs)
    uniq = [sorted(set(x)) for x in seqs]
    set_off, sets = ragged(uniq)
    pairs = np.array(list(itertools.product(range(len(seqs)), repeat=2)), dtype=np.int64)
    got = verify.seq_overlap(seq_off, seq, pairs, k, min_words=min_words)
    want = (
        *verify.overlap(set_off, sets, pairs),
        *verify.passages(seq_off, seq, set_off, sets, pairs, k, min_words=min_words),
    )
    for g, w in zip(got, want, strict=True):
        assert g.tolist() == w.tolist()
    for p, (i, j) in enumerate(pairs.tolist()):
        assert got[0][p] == len(set(seqs[i]) & set(seqs[j]))
    assert verify.distinct_counts(seq_off, seq).tolist() == [len(x) for x in uniq]


# -- cluster ------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=40))
def test_components_equal_bfs(n: int, edges: list[tuple[int, int]]) -> None:
    edges = [(a, b) for a, b in edges if a < n and b < n]
    root = cluster.components(n, np.array(edges, dtype=np.int64).reshape(-1, 2))
    adj: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    for start in range(n):
        seen, todo = {start}, [start]
        while todo:
            for nxt in adj[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert {i for i in range(n) if root[i] == root[start]} == seen


def test_source_is_original_not_copy_or_excerpt() -> None:
    # rows: 0 original (100 shingles), 1 copy with chrome (120), 2 excerpt (40 of the original)
    pairs = np.array([[0, 1], [0, 2], [1, 2]])
    shared = np.array([100, 40, 40])
    sizes = np.array([100, 120, 40])
    rank = np.array([2, 0, 1])  # ids sort the copy first: the rule, not the id, must decide
    c = cluster.build_clusters(3, pairs, shared, sizes, rank)
    assert c.count == 1
    assert set(c.source.tolist()) == {0}
    assert c.source_reason.tolist() == [1, 1, 1]


def test_source_is_earliest_published_when_all_dated() -> None:
    pairs = np.array([[0, 1], [1, 2]])
    c = cluster.build_clusters(
        3,
        pairs,
        np.array([50, 50]),
        np.array([100, 100, 100]),
        np.array([0, 1, 2]),
        published=np.array([300, 100, 200]),
    )
    assert set(c.source.tolist()) == {1}
    assert c.source_reason.tolist() == [0, 0, 0]


@given(st.permutations(range(6)))
@settings(max_examples=30, deadline=None)
def test_clusters_do_not_depend_on_row_order(perm: list[int]) -> None:
    assume(len(perm) == 6)
    pairs = np.array([[0, 1], [1, 2], [3, 4]])
    shared = np.array([30, 20, 10])
    sizes = np.array([40, 50, 60, 40, 40, 10])
    inv = np.argsort(perm)
    base = cluster.build_clusters(6, pairs, shared, sizes, np.arange(6))
    moved = cluster.build_clusters(
        6, inv[pairs], shared, sizes[perm], np.array(perm, dtype=np.int64)
    )
    # map moved rows back to original rows and compare cluster/source assignments
    assert sorted(
        zip(base.rows.tolist(), base.cluster.tolist(), base.source.tolist(), strict=False)
    ) == sorted(
        zip(
            np.array(perm)[moved.rows].tolist(),
            moved.cluster.tolist(),
            np.array(perm)[moved.source].tolist(),
            strict=False,
        )
    )


def test_large_batches_match_reference_with_any_thread_count() -> None:
    """Batches over the kernels' small-batch cut-off run multi-threaded: same output."""
    import random

    import numba

    rnd = random.Random(4)
    # long words make 5-grams over 64 bytes, which take the general XXH64 path
    pieces = ["Wörd", "ÉCOLE", "Straße", "naïve", "“quote”", "e\u0301", "ﬁne", "Ⱥ", "ΟΔΟΣ", "x"]
    pieces += ["supercalifragilisticexpialidocious" * 2]
    texts = [
        " ".join(
            rnd.choice(pieces) if rnd.random() < 0.2 else f"w{rnd.randint(0, 999)}"
            for _ in range(rnd.randint(0, 400))
        )
        for _ in range(600)
    ]
    want_norm = [reference_normalize(t) for t in texts]
    results = []
    for threads in (1, 2):
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        nb = norm_batch(texts)
        assert [nb.text(i) for i in range(len(texts))] == want_norm
        sb = shingle.shingle_batch(nb.offsets, nb.data, 5)
        sig = minhash.signature_batch(sb.offsets, sb.hashes, num_perm=64)
        results.append((sb.hashes.copy(), sig.copy()))
    for i in (0, 17, 599):
        words = want_norm[i].split()
        want = [
            xxhash.xxh64_intdigest(" ".join(words[j : j + 5]).encode())
            for j in range(len(words) - 4)
        ]
        assert sb.doc(i).tolist() == want
    assert np.array_equal(results[0][0], results[1][0])
    assert np.array_equal(results[0][1], results[1][1])
