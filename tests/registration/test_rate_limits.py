"""Rate limits behind the load balancer: keyed on the real client address (only through
trusted proxies), and on the document itself however many addresses an attacker uses;
the venue's own desks and kiosks can be exempted."""
from __future__ import annotations

import uuid

import pytest

LOOKUP = "/api/v1/appointments/lookup"


def _lookup(client, number: str, client_address: str | None = None, *, remote="10.0.0.2"):
    headers = {"X-Forwarded-For": client_address} if client_address else {}
    return client.post(LOOKUP, json={"code": "ABCDEFGH", "document_number": number},
                       headers=headers, environ_base={"REMOTE_ADDR": remote}).status_code


@pytest.fixture
def limited(make_app):
    """``limited(**config)`` -> a test client of an app with rate limits on (the limiter is
    one object per process, so the app built last decides: call it after data builders)."""
    def build(**config):
        app = make_app(RATELIMIT_ENABLED=True, **config)
        with app.app_context():
            from registration.extensions import limiter

            limiter.reset()
        return app.test_client()

    return build


def test_without_proxy_hops_a_spoofed_forwarded_header_changes_nothing(limited):
    client = limited(RATELIMIT_LOOKUP="3/minute", RATELIMIT_LOOKUP_PER_DOCUMENT="100/minute")
    statuses = [_lookup(client, f"X{n}", f"198.51.100.{n}") for n in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_behind_one_proxy_each_visitor_has_a_bucket_of_their_own(limited):
    client = limited(PROXY_HOPS=1, RATELIMIT_LOOKUP="3/minute",
                     RATELIMIT_LOOKUP_PER_DOCUMENT="100/minute")
    # 20 visitors behind the same load balancer address, two look-ups each: none limited.
    assert {_lookup(client, f"V{n}", f"198.51.100.{n}") for n in range(20) for _ in range(2)} \
        == {404}
    # One visitor over the limit is limited, even when prepending forged addresses.
    statuses = [_lookup(client, f"W{n}", f"203.0.113.{n}, 198.51.100.7") for n in range(2)]
    assert statuses == [404, 429]  # 198.51.100.7 had two tries already


def test_rotating_addresses_does_not_multiply_tries_on_one_document(limited):
    client = limited(PROXY_HOPS=1, RATELIMIT_LOOKUP="100/minute",
                     RATELIMIT_LOOKUP_PER_DOCUMENT="3/minute")
    number = "11010119900307803X"
    statuses = [_lookup(client, number, f"198.51.100.{n}") for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    # The same document typed differently (lower case, full-width) is the same document.
    assert _lookup(client, "１１０１０１１９９００３０７８０３ｘ", "198.51.100.77") == 429
    # Cancelling shares the look-up's bucket: both try a code against the document.
    cancel = client.post("/api/v1/appointments/ABCDEFGH/cancel",
                         json={"document_number": number},
                         headers={"X-Forwarded-For": "198.51.100.99"})
    assert cancel.status_code == 429 and cancel.get_json()["error"]["code"] == "rate_limited"
    # Another document, from an address already used, is not affected.
    assert _lookup(client, "110101199003074514", "198.51.100.1") == 404


def test_the_look_up_page_shares_the_documents_bucket(limited):
    client = limited(PROXY_HOPS=1, RATELIMIT_LOOKUP="100/minute",
                     RATELIMIT_LOOKUP_PER_DOCUMENT="2/minute")
    number = "11010119900307803X"
    statuses = [client.post("/my?lang=en", data={"code": "ABCDEFGH", "document_number": number},
                            headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(2)]
    assert statuses == [422, 422]
    assert _lookup(client, number, "198.51.100.50") == 429
    page = client.post("/my?lang=en", data={"code": "ABCDEFGH", "document_number": number},
                       headers={"X-Forwarded-For": "198.51.100.51"})
    assert page.status_code == 429 and page.mimetype == "text/html"


def test_booking_one_document_from_many_addresses_is_limited(make_app, make_fair_day,
                                                             booking_body, limited):
    client = limited(PROXY_HOPS=1, RATELIMIT_BOOKING="100/minute",
                     RATELIMIT_BOOKING_PER_DOCUMENT="3/minute")
    day = make_fair_day()
    body = booking_body(day, number="11010119900307803X")
    statuses = [client.post("/api/v1/appointments", json=body,
                            headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(4)]
    assert statuses == [201, 409, 409, 429]
    # The booking form counts in the same bucket.
    form = {"document_type": "cn_resident_id", "document_number": "11010119900307803X",
            "name": "张三", "consent": "y"}
    assert client.post(f"/book/CNCC/{day.isoformat()}", data=form,
                       headers={"X-Forwarded-For": "198.51.100.200"}).status_code == 429
    other = booking_body(day)
    assert client.post("/api/v1/appointments", json=other,
                       headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 201


def test_desk_and_kiosk_networks_can_be_exempted(limited):
    client = limited(RATELIMIT_LOOKUP="2/minute", RATELIMIT_LOOKUP_PER_DOCUMENT="2/minute",
                     RATELIMIT_EXEMPT="10.20.0.0/16, 192.0.2.15")
    for remote in ("10.20.3.4", "192.0.2.15"):
        assert {_lookup(client, "11010119900307803X", remote=remote) for _ in range(6)} == {404}
    assert [_lookup(client, f"Z{n}", remote="10.21.0.1") for n in range(3)] == [404, 404, 429]


def test_a_bad_network_in_the_settings_stops_the_start(tmp_path):
    from registration import ConfigurationError, create_app

    with pytest.raises(ConfigurationError, match="FAIRGATE_RATELIMIT_EXEMPT.*10.20.0.0/33"):
        create_app({"TESTING": True, "RATELIMIT_EXEMPT": ["10.20.0.0/33"]},
                   instance_path=str(tmp_path))


def test_the_shared_redis_store_holds_no_document_number(limited):
    import redis

    prefix = f"fairgate-test-{uuid.uuid4().hex[:8]}"
    store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    from registration.extensions import limiter

    saved = limiter._key_prefix
    limiter._key_prefix = prefix  # set once per process otherwise; this test's keys only
    try:
        client = limited(PROXY_HOPS=1, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
                         RATELIMIT_LOOKUP="100/minute", RATELIMIT_LOOKUP_PER_DOCUMENT="2/minute")
        number = "11010119900307803X"
        assert [_lookup(client, number, f"198.51.100.{n}") for n in range(3)] == [404, 404, 429]
        keys = [key.decode() for key in store.scan_iter(f"*{prefix}*")]
        assert any("doc:" in key for key in keys), keys
        assert all(number not in key and number[:10] not in key for key in keys)
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        limiter._key_prefix = saved
