"""Adaptive fusion: the dense weight follows each channel's confidence; fixed weights still mean what they say."""

import numpy as np

from indexer.fusion import Channels, Fusion, dense_weight, fuse


def channels(lexical, dense, terms=4, marked=True) -> Channels:
    lexical, dense = np.array(lexical, dtype=np.float32), np.array(dense, dtype=np.float32)
    return Channels(np.arange(len(lexical)), lexical, dense, terms, marked)


def test_fixed_weights_pick_one_channel():
    ch = channels([9.0, 1.0, 0.5], [0.70, 0.85, 0.60])
    assert int(np.argmax(fuse(ch, Fusion(alpha=0.0)))) == 0
    assert int(np.argmax(fuse(ch, Fusion(alpha=1.0)))) == 1
    assert dense_weight(ch, Fusion(alpha=0.25)) == 0.25


def test_clear_lexical_winner_lowers_the_dense_weight():
    flat_lexical = channels([5.0, 4.9, 4.8, 4.7, 1.0], [0.90, 0.80, 0.79, 0.78, 0.77])
    sharp_lexical = channels([15.0, 4.9, 4.8, 4.7, 1.0], [0.90, 0.80, 0.79, 0.78, 0.77])
    f = Fusion()
    assert dense_weight(sharp_lexical, f) < dense_weight(flat_lexical, f)


def test_clear_dense_winner_raises_the_dense_weight():
    flat_dense = channels([5.0, 4.0, 3.0, 2.0, 1.0], [0.80, 0.80, 0.79, 0.79, 0.78])
    sharp_dense = channels([5.0, 4.0, 3.0, 2.0, 1.0], [0.92, 0.80, 0.79, 0.79, 0.78])
    f = Fusion()
    assert dense_weight(sharp_dense, f) > dense_weight(flat_dense, f)
    assert 0.0 < dense_weight(flat_dense, f) < 1.0


def test_fused_scores_follow_a_channel_that_agrees_with_itself():
    # BM25 is unsure between 0 and 1; the embeddings clearly prefer 1: the adaptive fusion takes 1.
    ch = channels([5.0, 4.95, 1.0, 0.5], [0.80, 0.93, 0.78, 0.77])
    assert int(np.argmax(fuse(ch, Fusion()))) == 1
    # BM25 is sure of 0 and the embeddings barely prefer 1: the adaptive fusion keeps 0.
    ch = channels([15.0, 4.0, 1.0, 0.5], [0.81, 0.82, 0.78, 0.77])
    assert int(np.argmax(fuse(ch, Fusion()))) == 0


def test_degenerate_inputs():
    assert len(fuse(channels([], []), Fusion())) == 0
    one = fuse(channels([3.0], [0.5]), Fusion())
    assert one.shape == (1,) and np.isfinite(one).all()
    same = fuse(channels([0.0, 0.0], [0.5, 0.5]), Fusion())
    assert np.isfinite(same).all()
