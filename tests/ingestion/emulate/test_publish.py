"""The delivery tracker decides the checkpoint: it must never pass an unacknowledged message."""

from confluent_kafka import KafkaError

from ingestion.emulate.publish import Batch, DeliveryTracker, encode_key


def filled(tracker: DeliveryTracker, last_key: int, messages: int) -> Batch:
    batch = tracker.batch()
    batch.sent = messages
    batch.last_key = last_key
    batch.close()
    return batch


def deliver(batch: Batch, times: int, error: KafkaError | None = None) -> None:
    for _ in range(times):
        batch.report(error)


def test_watermark_follows_send_order_not_report_order():
    tracker = DeliveryTracker()
    a, b, c = filled(tracker, 10, 3), filled(tracker, 11, 3), filled(tracker, 12, 3)
    deliver(c, 3)
    tracker.advance()
    assert tracker.watermark is None  # batch 12 is done, but 10 and 11 are not
    deliver(a, 3)
    tracker.advance()
    assert tracker.watermark == 10
    deliver(b, 2)
    tracker.advance()
    assert tracker.watermark == 10
    deliver(b, 1)
    tracker.advance()
    assert tracker.watermark == 12
    assert tracker.delivered == 9


def test_a_failed_message_holds_the_watermark_back():
    tracker = DeliveryTracker()
    first, second = filled(tracker, 1, 2), filled(tracker, 2, 1)
    deliver(first, 1)
    deliver(first, 1, KafkaError(KafkaError._MSG_TIMED_OUT))
    deliver(second, 1)
    tracker.advance()
    assert tracker.watermark is None
    assert (tracker.delivered, tracker.failed) == (2, 1)
    assert tracker.first_error is not None


def test_an_open_batch_holds_the_watermark_back_even_when_all_its_reports_are_in():
    tracker = DeliveryTracker()
    batch = tracker.batch()
    batch.sent, batch.last_key = 2, 7
    deliver(batch, 2)
    tracker.advance()
    assert tracker.watermark is None, "more messages may still join an open batch"
    batch.close()
    tracker.advance()
    assert tracker.watermark == 7


def test_keys_are_the_decimal_text_of_the_post_key():
    assert encode_key(0) == b"0"
    assert encode_key(11153) == b"11153"
