"""The delivery tracker decides the checkpoint: it must never pass an unacknowledged post."""

from confluent_kafka import KafkaError

from ingestion.emulate.publish import DeliveryTracker


def test_watermark_follows_send_order_not_report_order():
    tracker = DeliveryTracker()
    a, b, c = tracker.sent(10, 3), tracker.sent(11, 3), tracker.sent(12, 3)
    for _ in range(3):
        tracker.reported(c, None)
    assert tracker.watermark is None  # post 12 is done, but 10 and 11 are not
    for _ in range(3):
        tracker.reported(a, None)
    assert tracker.watermark == 10
    tracker.reported(b, None)
    tracker.reported(b, None)
    assert tracker.watermark == 10
    tracker.reported(b, None)
    assert tracker.watermark == 12
    assert tracker.delivered == 9
    assert tracker.in_flight == 0


def test_a_failed_message_holds_the_watermark_back():
    tracker = DeliveryTracker()
    first, second = tracker.sent(1, 2), tracker.sent(2, 1)
    tracker.reported(first, None)
    tracker.reported(first, KafkaError(KafkaError._MSG_TIMED_OUT))
    tracker.reported(second, None)
    assert tracker.watermark is None
    assert (tracker.delivered, tracker.failed) == (2, 1)
    assert tracker.first_error is not None


def test_repeated_keys_are_tracked_separately():
    tracker = DeliveryTracker()
    first, again = tracker.sent(5, 1), tracker.sent(5, 1)
    tracker.reported(again, None)
    assert tracker.watermark is None
    tracker.reported(first, None)
    assert tracker.watermark == 5
