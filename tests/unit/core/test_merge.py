"""The three-way merge of a row edited by two people at once."""

from services.core import three_way_merge


def by_field(merged):
    return {m.field: (m.merged, m.state) for m in merged}


def test_each_side_keeps_the_fields_only_it_changed():
    base = {"title": "Bucht", "needs": "", "thinking": "Hm", "emotion": 0}
    theirs = {"title": "Bucht", "needs": "Bedürfnisse: A braucht", "thinking": "Hm", "emotion": 0}
    mine = {"title": "Bucht online", "needs": "", "thinking": "Hm", "emotion": 0}
    merged = three_way_merge(base, theirs, mine)
    assert [m.field for m in merged] == ["title", "needs", "thinking", "emotion"]
    assert by_field(merged) == {
        "title": ("Bucht online", "mine"),
        "needs": ("Bedürfnisse: A braucht", "theirs"),  # the colleague's words survive
        "thinking": ("Hm", "unchanged"),
        "emotion": (0, "unchanged"),
    }
    assert not any(m.conflict for m in merged)


def test_true_conflicts_are_marked_and_keep_both_texts():
    base = {"needs": "A", "emotion": 0, "is_exit": False, "doing": "x", "feeling": "old"}
    theirs = {"needs": "A braucht Hilfe", "emotion": 2, "is_exit": True, "doing": "y", "feeling": ""}
    mine = {"needs": "A braucht Zeit", "emotion": -1, "is_exit": True, "doing": "y z", "feeling": "new"}
    merged = by_field(three_way_merge(base, theirs, mine))
    assert merged["needs"] == ("A braucht Hilfe\nA braucht Zeit", "conflict")
    assert merged["emotion"] == (2, "conflict")  # not text: their saved value until the user decides
    assert merged["is_exit"] == (True, "same")  # both made the same change: no conflict
    assert merged["doing"] == ("y z", "conflict")  # mine already holds theirs: once
    assert merged["feeling"] == ("new", "conflict")  # they emptied it, I rewrote it: my words stay


def test_blank_and_none_are_the_same_text_and_missing_base_fields_keep_theirs():
    merged = by_field(three_way_merge({"owner_department": None}, {"owner_department": "", "title": "T"},
                                      {"owner_department": "", "title": "T"}, fields=["owner_department", "title"]))
    assert merged == {"owner_department": ("", "unchanged"), "title": ("T", "unchanged")}
