"""The disjoint-set forest the clustering code shares."""

from dicmodel._unionfind import DisjointSet


def test_unions_make_groups_in_order_of_their_first_item():
    s = DisjointSet(6)
    assert s.union(4, 1) and s.union(1, 5) and s.union(0, 2)
    assert not s.union(5, 4)  # already one set
    assert s.groups() == [[0, 2], [1, 4, 5], [3]]
    assert s.groups({5, 3, 1}) == [[1, 5], [3]]
    assert s.find(5) == s.find(4) != s.find(3)
