"""Django's Redis cache, keeping one redis-py client per connection pool.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every cache call; each one sets up some
two hundred response callbacks, which costs more than the round trip to Redis itself. A client is
thread-safe and shares its pool, so one per pool is enough (the pool itself reconnects after a fork).
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
