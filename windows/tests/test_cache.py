"""The Redis cache keeps one client per connection pool (windows/cache.py)."""

from django.core.cache import caches

from windows.cache import RedisCache


def test_the_cache_reuses_its_client_and_works():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
    cache.set("windows-test-cache", {"n": 1}, 30)
    assert cache.get("windows-test-cache") == {"n": 1}
    assert cache.add("windows-test-cache-count", 0, 30)
    assert cache.incr("windows-test-cache-count") == 1
    cache.delete_many(["windows-test-cache", "windows-test-cache-count"])
    assert cache.get("windows-test-cache") is None
