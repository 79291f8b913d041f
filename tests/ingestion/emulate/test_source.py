from ingestion.emulate.source import Post, merge_posts


def stream(*keys):
    return iter([(key, {"k": key}) for key in keys])


def test_merge_joins_tables_by_key_and_marks_missing_rows():
    posts = list(
        merge_posts({"pin": stream(0, 1, 3), "geo": stream(0, 2, 3), "user": stream(1, 3, 4)})
    )
    assert [post.key for post in posts] == [0, 1, 2, 3, 4]
    assert posts[0] == Post(0, {"pin": {"k": 0}, "geo": {"k": 0}, "user": None})
    assert posts[2] == Post(2, {"pin": None, "geo": {"k": 2}, "user": None})
    assert all(row is not None for row in posts[3].rows.values())


def test_merge_of_empty_tables_is_empty():
    assert list(merge_posts({"pin": stream(), "geo": stream()})) == []
