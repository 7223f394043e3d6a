from complaint_tui.db import Store


def test_store_opens(store: Store) -> None:
    with store.read() as s:
        assert s is not None
