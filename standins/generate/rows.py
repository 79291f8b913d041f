"""Deterministic synthetic rows shaped like the private source database.

Pure, and free of I/O but for reading the category seed on import:
`SyntheticData(rows, seed).batches(batch_size)` yields the rows of the three tables in index
order. The facts it reproduces are in docs/source-data.md.

Two kinds of randomness keep memory flat and output independent of the batch size:
- Per-post draws (markers, text, timestamp, which poster account) come from one sequential
  `random.Random` stream, consumed in index order; batching only groups that stream.
- A poster account's attributes (its name, follower count, user and place) are not stored
  anywhere: they are recomputed whenever needed from the seed and the account's id alone, so
  10 million posts need the same memory as 10 thousand, and a post by an account, whenever it
  is made (a snapshot or a live post), carries the same user and place. Only small fixed-size
  pools (words, names, countries, tag phrases) are kept.
"""

from __future__ import annotations

import csv
import functools
import importlib
import itertools
import math
import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

from faker.providers.address.en_US import Provider as AddressProvider
from faker.providers.lorem.en_US import Provider as LoremProvider
from faker.providers.person.en_US import Provider as PersonProvider

from core.paths import project_root

SOURCE_ROWS = 11154
"""Row count of the source database; proportions below are calibrated against it."""

# dbt's seed is the one list of categories; its order fixes each category's block of posts.
CATEGORY_SEED = project_root() / "seeds" / "categories.csv"


def read_categories(path: Path) -> tuple[str, ...]:
    with path.open(newline="", encoding="utf-8") as seed:
        return tuple(row["category"] for row in csv.DictReader(seed))


CATEGORIES = read_categories(CATEGORY_SEED)

# Marker strings the source writes instead of NULL.
NO_TITLE = "No Title Data Available"
NO_DESCRIPTION = "No description available"
STORY_DESCRIPTION = "No description available Story format"
USER_INFO_ERROR = "User Info Error"
NO_TAGS = ",".join("No Tags Available")
IMAGE_SRC_ERROR = "Image src error."

IMAGE = "image"
VIDEO = "video"
STORY = "multi-video(story page format)"

# Marker rates over all posts. Posts with every marker at once are story posts whose scrape
# failed entirely; the other rates are topped up independently on the remaining posts.
ALL_MARKERS_RATE = 0.005
STORY_RATE = 0.08
VIDEO_RATE = 0.03
IMAGE_SRC_ERROR_RATE = 0.03
NO_TITLE_RATE = 0.01
NO_DESCRIPTION_RATE = 0.016
NO_TAGS_RATE = 0.015
USER_INFO_ERROR_RATE = 0.008
# Titles outside ASCII: foreign ones (whose description is in the same language) and ones
# ending in an emoji, one post in ten together.
FOREIGN_TITLE_RATE = 0.06
EMOJI_TITLE_RATE = 0.04
EMOJI_DESCRIPTION_RATE = 0.06
FULL_TAG_RATE = 0.88
# The source's longest values (docs/source-data.md): longer text is cut at a space, as its
# scraper cut it. Long titles are rare there; how rare was not measured, this is a guess.
LONG_TITLE_RATE = 0.03
TITLE_WIDTH = (199, 288)  # characters, bytes of UTF-8
DESCRIPTION_WIDTH = (201, 493)
TAG_LIST_WIDTH = 254
POSTER_NAME_WIDTH = 268
# The one account whose scraped name is its name repeated with "Edit settings" caught in it,
# cut at the source's longest: a head rank, so that it is in any data set of some size.
SCRAPED_NAME_POSTER = 9

# Poster accounts. A post's user and place are its account's (docs/source-data.md), so the
# original's ~5,300 distinct users over 11,154 posts are as many accounts: a head of a few
# hundred that post again and again (212 with four posts or more, the busiest ~250) and a tail
# of thousands seen once to three times.
# The head: ranks 0..H-1 with shares close to 1/(rank + K), the busiest ~250 posts at the source
# size and the last still ~6. A head post has rank floor(K * ((H + K) / K)**u - K) for a
# uniform u, the inverse of that distribution.
HEAD_POSTERS_PER_POST = 205 / SOURCE_ROWS
HEAD_SHARE = 0.46
HEAD_SKEW_OFFSET = 5
# The tail: posts drawn uniformly from a pool of accounts, 0.37 posts each on average, so that
# ~5,100 of them post at all (1 - e**-0.37 of the pool) and only ~10 reach four posts.
TAIL_POSTS_PER_POSTER = 0.37
# The source's most common follower counts are a few big accounts: its top posters are fixed
# to these classes instead of drawn.
TOP_POSTER_CLASSES = ("M", "small-k", "M", "small-k")
# Million-scale accounts have 1M..8M followers, but for a single account with 15M: the most
# followed account is unique, as in the source (ties at the top are rare there).
MILLIONS_MAX = 8
MOST_FOLLOWED = 15
MOST_FOLLOWED_POSTER = 2  # a fixed top poster of class "M"
PLAIN_FOLLOWER_RATE = 0.17
MILLION_FOLLOWER_RATE = 0.08

# Ages 20..60: 20 alone ~19%, then a linear decline; over 50 ~9%.
AGE_WEIGHTS = (
    0.19,
    *(0.036 - (0.024 * i / 29) for i in range(30)),
    *(0.012 - (0.006 * i / 9) for i in range(10)),
)
MIN_AGE = 20

# date_joined lies strictly before every post timestamp, so "joined <= posted" holds for any
# pairing of user and post.
JOIN_START = datetime(2015, 10, 1)
POST_START = datetime(2017, 10, 16)
POST_END = datetime(2022, 10, 27)
JOIN_SPAN_SECONDS = int((POST_START - JOIN_START).total_seconds())
POST_SPAN_SECONDS = int((POST_END - POST_START).total_seconds())

# Country skew: the top "A" country ~5%, the other "A" countries together ~28%, the rest a
# Zipf-like tail whose rarest member still gets a handful of rows at the source size.
TOP_COUNTRY_WEIGHT = 0.05
A_COUNTRY_WEIGHTS = (0.0275, 0.0125)
COUNTRY_TAIL_OFFSET = 8

FOREIGN_LOCALES = ("ru_RU", "ja_JP", "zh_CN", "el_GR", "fr_FR", "de_DE", "pl_PL", "es_ES")
# A few common ones are enough: what matters is 4-byte UTF-8 reaching the database intact.
EMOJI = (
    "✨",
    "💕",
    "😍",
    "🔥",
    "🎄",
    "💖",
    "🌸",
    "👉",
    "🙌",
    "💪",
    "🎉",
    "😂",
    "❤️",
    "🌿",
    "☕",
    "📌",
)
ACCOUNT_CACHE = 4096
TAG_POOL_SIZE = 1000
WORD_TAPE = 1 << 17
MAX_WINDOW = 32
IMAGE_URL_PREFIX = "https://i.pinimg.com/originals/"
# A video's (or story's) image is its thumbnail, whose longer URL is the source's longest (102).
THUMBNAIL_URL_PREFIX = "https://i.pinimg.com/videos/thumbnails/originals/"

PostRow = tuple[int, str, str, str, str, str, str, str, str, int, str, str]
GeoRow = tuple[int, datetime, float, float, str]
UserRow = tuple[int, str, str, int, datetime]

_MASK64 = (1 << 64) - 1
_GOLDEN64 = 0x9E3779B97F4A7C15
_UNIT = 2.0**-53
_MASK32 = (1 << 32) - 1
_UNIT32 = 2.0**-32

# Distinct hash domains, so that an account's user and its name get unrelated draws.
_KIND_STREAM = 1
_KIND_USER = 2
_KIND_POSTER = 3
_KIND_CATEGORY = 4
_KIND_POOLS = 5
_KIND_SPREAD = 6
_KIND_NAMES = 8
_KIND_LIVE = 9

# The R3 sequence (Roberts): point n is frac(offset + n * g**-d) in dimension d = 1, 2, 3, g the
# root of x**4 = x + 1; consecutive n cover the unit cube evenly, jointly and not just per axis.
_R3_ROOT = 1.2207440846057596
_R3_STEPS = tuple(int(2.0**64 / _R3_ROOT**d) for d in (1, 2, 3))
# Its dimensions: the three account attributes whose rates are the source's.
_SPREAD_AGE, _SPREAD_COUNTRY, _SPREAD_FOLLOWERS = range(3)


def mix64(value: int) -> int:
    """SplitMix64 finaliser: a fast, well-distributed 64-bit integer hash."""
    value = (value + _GOLDEN64) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def hash_key(seed: int, kind: int, ident: int) -> int:
    return mix64(mix64((seed & _MASK64) ^ (kind * _GOLDEN64 & _MASK64)) ^ (ident & _MASK64))


def unit(value: int) -> float:
    """Map a 64-bit hash to a float in [0, 1)."""
    return (value >> 11) * _UNIT


def spread_unit(offset: int, index: int, dimension: int) -> float:
    """Coordinate `dimension` of the R3 point `index`: consecutive indices cover [0, 1) evenly
    in each dimension, and the dimensions vary independently of each other, so the classes of
    several attributes are each hit in proportion even over few accounts, without the
    attributes following one another (as Weyl points with one step would)."""
    return unit((offset + index * _R3_STEPS[dimension]) & _MASK64)


@dataclass(frozen=True)
class Vocabulary:
    """Word, name and country lists, loaded once from Faker's providers (never per row)."""

    words: tuple[str, ...]
    foreign_words: tuple[tuple[str, ...], ...]
    foreign_accented: tuple[tuple[str, ...], ...]
    first_names: tuple[str, ...]
    first_name_cum: tuple[float, ...]
    last_names: tuple[str, ...]
    last_name_cum: tuple[float, ...]
    countries: tuple[str, ...]

    @classmethod
    def from_faker(cls) -> Vocabulary:
        foreign = [_lorem_words(locale) for locale in FOREIGN_LOCALES]
        first = PersonProvider.first_names
        last = PersonProvider.last_names
        return cls(
            words=tuple(LoremProvider.word_list),
            foreign_words=tuple(foreign),
            # A title from a mostly-Latin locale gets one accented word so that it really is
            # non-ASCII, as the source's foreign titles are.
            foreign_accented=tuple(tuple(w for w in ws if not w.isascii()) for ws in foreign),
            first_names=tuple(first),
            first_name_cum=_cumulative(tuple(first.values())),
            last_names=tuple(last),
            last_name_cum=_cumulative(tuple(last.values())),
            # Faker's list repeats a few names; the source has each name once (243 distinct).
            countries=tuple(dict.fromkeys(AddressProvider.countries)),
        )


def _lorem_words(locale: str) -> tuple[str, ...]:
    module = importlib.import_module(f"faker.providers.lorem.{locale}")
    words: Sequence[str] = module.Provider.word_list
    return tuple(words)


def _cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    """Cumulative weights normalised to end at 1.0, for bisect sampling with a unit float."""
    total = sum(weights)
    return tuple(c / total for c in accumulate(weights))


def pick(cumulative: Sequence[float], u: float) -> int:
    return min(bisect_right(cumulative, u), len(cumulative) - 1)


def category_bounds(rows: int, seed: int) -> tuple[tuple[str, int, int], ...]:
    """Contiguous [start, stop) index ranges per category, sizes varying by up to ~30%.

    Sizes are apportioned by largest remainder so that they always add up to `rows`.
    """
    weights = [760 + 230 * unit(hash_key(seed, _KIND_CATEGORY, i)) for i in range(len(CATEGORIES))]
    total = sum(weights)
    exact = [rows * w / total for w in weights]
    sizes = [int(e) for e in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (sizes[i] - exact[i], i))
    for i in by_remainder[: rows - sum(sizes)]:
        sizes[i] += 1
    bounds = []
    start = 0
    for name, size in zip(CATEGORIES, sizes, strict=True):
        bounds.append((name, start, start + size))
        start += size
    return tuple(bounds)


def head_rank(u: float, head: int) -> int:
    """The head rank making a head post whose draw is `u` in [0, 1) (see HEAD_SKEW_OFFSET)."""
    k = HEAD_SKEW_OFFSET
    return min(int(k * ((head + k) / k) ** u - k), head - 1)


def head_share(rank: int, head: int) -> float:
    """Expected share of all posts made by head rank `rank`."""
    k = HEAD_SKEW_OFFSET
    return HEAD_SHARE * math.log((rank + 1 + k) / (rank + k)) / math.log((head + k) / k)


def head_posters(rows: int) -> int:
    return max(1, round(rows * HEAD_POSTERS_PER_POST))


def tail_posters(rows: int) -> int:
    return max(1, round(rows * (1 - HEAD_SHARE) / TAIL_POSTS_PER_POSTER))


# An account's id: head rank r is 2r, tail slot j is 2j + 1, so that neither moves when the
# head or the tail grows (a live source sized for more posts keeps every account's id).
def head_poster(rank: int) -> int:
    return 2 * rank


def tail_poster(slot: int) -> int:
    return 2 * slot + 1


def rank_of(poster_id: int) -> int | None:
    """The head rank of an account, None for a tail account."""
    return None if poster_id & 1 else poster_id >> 1


def follower_thresholds() -> tuple[float, float]:
    """Class thresholds for accounts outside the fixed top ones, so that the per-post rates
    come out at the source's 17% plain / 74% k / 8% M at its size. They are worked out at
    that size for any size, as an account's follower count must not depend on how many posts
    are generated (a live source may be sized otherwise than the snapshot it adds to)."""
    head = head_posters(SOURCE_ROWS)
    fixed_share = sum(head_share(p, head) for p in range(len(TOP_POSTER_CLASSES)))
    fixed_m = sum(head_share(p, head) for p, c in enumerate(TOP_POSTER_CLASSES) if c == "M")
    remaining = 1 - fixed_share
    plain = PLAIN_FOLLOWER_RATE / remaining
    return plain, plain + (MILLION_FOLLOWER_RATE - fixed_m) / remaining


def country_weights(countries: Sequence[str], seed: int) -> tuple[tuple[str, ...], list[float]]:
    """Countries in a seed-dependent rank order with their skewed weights."""
    rng = random.Random(hash_key(seed, _KIND_POOLS, 1))
    a_names = [c for c in countries if c.startswith("A")]
    others = [c for c in countries if not c.startswith("A")]
    rng.shuffle(a_names)
    rng.shuffle(others)
    high, low = A_COUNTRY_WEIGHTS
    rest = max(len(a_names) - 1, 1)
    a_weights = [TOP_COUNTRY_WEIGHT] + [
        high - (high - low) * i / max(rest - 1, 1) for i in range(len(a_names) - 1)
    ]
    tail_mass = 1 - sum(a_weights[: len(a_names)])
    raw = [1 / (rank + COUNTRY_TAIL_OFFSET) for rank in range(len(others))]
    scale = tail_mass / sum(raw) if raw else 0.0
    names = tuple(a_names + others)
    return names, a_weights[: len(a_names)] + [r * scale for r in raw]


@dataclass(frozen=True, slots=True)
class User:
    """An account's user and the place they post from."""

    first_name: str
    last_name: str
    age: int
    date_joined: datetime
    latitude: float
    longitude: float
    country: str


@dataclass(frozen=True, slots=True)
class Poster:
    name: str
    follower_count: str


@dataclass(frozen=True, slots=True)
class Dirt:
    """Which markers a post carries, and its media type."""

    media: str
    no_title: bool
    description_marker: str | None
    no_tags: bool
    user_info_error: bool
    image_src_error: bool


class SyntheticData:
    """All fixed-size pools and derived parameters for one (rows, seed) pair."""

    def __init__(self, rows: int, seed: int, vocabulary: Vocabulary | None = None) -> None:
        if rows <= 0:
            raise ValueError(f"rows must be positive, got {rows}")
        self.rows = rows
        self.seed = seed & _MASK64
        self.vocabulary = vocabulary or Vocabulary.from_faker()
        self.bounds = category_bounds(rows, self.seed)
        self.head_posters = head_posters(rows)
        self.tail_posters = tail_posters(rows)
        names, weights = country_weights(self.vocabulary.countries, self.seed)
        self.country_names = names
        self.country_cum = _cumulative(weights)
        self.age_cum = _cumulative(AGE_WEIGHTS)
        self.tag_pools = {name: self._tag_pool(name) for name, _, _ in self.bounds}
        self.word_tape = self._word_tape()
        self.plain_threshold, self.million_threshold = follower_thresholds()
        self.name_multiplier = self._name_multiplier()
        self._name_offset = hash_key(self.seed, _KIND_NAMES, 1)
        self._user_key = hash_key(self.seed, _KIND_USER, 0)
        self._poster_key = hash_key(self.seed, _KIND_POSTER, 0)
        # The head's accounts make about half of the posts: worked out once each, they need not
        # be again for every post (a bounded cache, so memory stays flat at any size).
        self._account = functools.lru_cache(maxsize=ACCOUNT_CACHE)(self._worked_out_account)
        self._spread_offsets = (
            hash_key(self.seed, _KIND_SPREAD, 0),
            hash_key(self.seed, _KIND_SPREAD, 1),
        )

    # -- fixed pools ---------------------------------------------------------------------

    def _tag_pool(self, category: str) -> tuple[str, ...]:
        """Category-flavoured tag phrases, like the source's "Home Decor Ideas"."""
        rng = random.Random(hash_key(self.seed, _KIND_POOLS, 100 + CATEGORIES.index(category)))
        label = category.replace("-", " ")
        words = self.vocabulary.words
        phrases = []
        for _ in range(TAG_POOL_SIZE):
            shape = rng.random()
            if shape < 0.1:
                phrase = f"{rng.choice(words)} {rng.choice(words)} {label} ideas"
            elif shape < 0.25:
                phrase = f"{label} {rng.choice(words)}"
            elif shape < 0.45:
                phrase = f"{rng.choice(words)} {label} ideas"
            elif shape < 0.75:
                phrase = f"{rng.choice(words)} {rng.choice(words)}"
            else:
                phrase = rng.choice(words)
            phrases.append(phrase.title())
        return tuple(phrases)

    def _word_tape(self) -> tuple[str, ...]:
        """A long random word sequence; text is cut from it at random offsets.

        Slicing a window is one C-level operation, where drawing each word with choices()
        costs a Python-level step per word, and descriptions are most of the generated bytes.
        A tail copy of the head lets every window up to MAX_WINDOW words be a plain slice.
        """
        rng = random.Random(hash_key(self.seed, _KIND_POOLS, 2))
        tape = rng.choices(self.vocabulary.words, k=WORD_TAPE)
        return tuple(tape + tape[:MAX_WINDOW])

    def _name_multiplier(self) -> int:
        """An odd multiplier coprime to the name space, making poster id -> (first, last) a
        bijection, so that no two posters share a name (and so a follower count)."""
        space = len(self.vocabulary.first_names) * len(self.vocabulary.last_names)
        candidate = (hash_key(self.seed, _KIND_NAMES, 0) % space) | 1
        while math.gcd(candidate, space) != 1:
            candidate += 2
        return candidate

    # -- derived entities ----------------------------------------------------------------

    def user(self, poster_id: int) -> User:
        """The user of account `poster_id`, and their place: the same on each of its posts."""
        vocab = self.vocabulary
        # Three 64-bit hashes, split into 32-bit draws, for the attributes without a rate.
        h1 = mix64(self._user_key ^ poster_id)
        h2 = mix64(h1)
        h3 = mix64(h2)
        age = pick(self.age_cum, self._spread(poster_id, _SPREAD_AGE))
        country = pick(self.country_cum, self._spread(poster_id, _SPREAD_COUNTRY))
        return User(
            first_name=vocab.first_names[pick(vocab.first_name_cum, (h1 >> 32) * _UNIT32)],
            last_name=vocab.last_names[pick(vocab.last_name_cum, (h1 & _MASK32) * _UNIT32)],
            age=MIN_AGE + age,
            date_joined=JOIN_START + timedelta(seconds=(h2 & _MASK32) % JOIN_SPAN_SECONDS),
            latitude=_coordinate(h3 >> 32, 90, (h2 >> 32) % 3),
            longitude=_coordinate(h3 & _MASK32, 180, (h2 >> 40) % 3),
            country=self.country_names[country],
        )

    def _spread(self, poster_id: int, dimension: int) -> float:
        """The account's R3 coordinate; head ranks and tail slots each have a sequence, so that
        each group is spread over the classes on its own."""
        return spread_unit(self._spread_offsets[poster_id & 1], poster_id >> 1, dimension)

    def draw_poster(self, u: float) -> int:
        """The account making a post whose draw is `u` in [0, 1)."""
        if u < HEAD_SHARE:
            return head_poster(head_rank(u / HEAD_SHARE, self.head_posters))
        slot = int((u - HEAD_SHARE) / (1 - HEAD_SHARE) * self.tail_posters)
        return tail_poster(min(slot, self.tail_posters - 1))

    def _worked_out_account(self, poster_id: int) -> tuple[Poster, User]:
        return self.poster(poster_id), self.user(poster_id)

    def poster(self, poster_id: int) -> Poster:
        return Poster(name=self._poster_name(poster_id), follower_count=self._followers(poster_id))

    def _poster_name(self, poster_id: int) -> str:
        vocab = self.vocabulary
        firsts = len(vocab.first_names)
        space = firsts * len(vocab.last_names)
        slot = ((poster_id % space) * self.name_multiplier + self._name_offset) % space
        first = vocab.first_names[slot % firsts]
        last = vocab.last_names[slot // firsts]
        lap = poster_id // space
        base = f"{first} {last}" if lap == 0 else f"{first} {last} {lap + 1}"
        h = mix64(self._poster_key ^ poster_id)
        style = h % 4
        topic = self.vocabulary.words[(h >> 8) % len(self.vocabulary.words)].title()
        if style == 1:
            base = f"{base} | {topic} Ideas"
        elif style == 2:
            base = f"{topic} by {base}"
        elif style == 3:
            base = f"{base} ~ {topic}"
        if poster_id == head_poster(SCRAPED_NAME_POSTER):
            repeated = base * 2 + "Edit settings" + base * (POSTER_NAME_WIDTH // len(base))
            return repeated[:POSTER_NAME_WIDTH].rstrip()
        return base

    def _followers(self, poster_id: int) -> str:
        h = mix64(mix64(self._poster_key ^ poster_id))
        u = unit(h)
        rank = rank_of(poster_id)
        if rank is not None and rank < len(TOP_POSTER_CLASSES):
            kind = TOP_POSTER_CLASSES[rank]
        else:
            v = self._spread(poster_id, _SPREAD_FOLLOWERS)
            kind = (
                "plain" if v < self.plain_threshold else "M" if v < self.million_threshold else "k"
            )
        if kind == "plain":
            return str(min(int(1000**u), 999))
        if kind == "M":
            if poster_id == head_poster(MOST_FOLLOWED_POSTER):
                return f"{MOST_FOLLOWED}M"
            return f"{1 + int(u * MILLIONS_MAX)}M"
        if kind == "small-k":
            return f"{min(int(100**u), 99)}k"
        return f"{min(int(1000**u), 999)}k"

    # -- rows ----------------------------------------------------------------------------

    def batches(self, batch_size: int) -> Iterator[Batch]:
        """Rows for indices 0..rows-1 in order, grouped into batches of `batch_size`."""
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        batch = Batch([], [], [])
        for post, geo, user in self.iter_rows():
            batch.posts.append(post)
            batch.geolocations.append(geo)
            batch.users.append(user)
            if len(batch.posts) >= batch_size:
                yield batch
                batch = Batch([], [], [])
        if batch.posts:
            yield batch

    def live_rows(self, start: int) -> Iterator[tuple[PostRow, GeoRow, UserRow]]:
        """Posts for keys start, start + 1, ... without end, as people go on posting: drawn
        like the snapshot's (by the same accounts, each with its user and place, the same
        markers and time window), each in a category picked in proportion to the snapshot's
        category sizes. The same seed and start give the same posts."""
        rng = random.Random(hash_key(self.seed, _KIND_LIVE, start))
        names = [name for name, _, _ in self.bounds]
        sizes = _cumulative([stop - begin for _, begin, stop in self.bounds])
        for index in itertools.count(start):
            yield self._row(rng, index, names[pick(sizes, rng.random())])

    def iter_rows(self) -> Iterator[tuple[PostRow, GeoRow, UserRow]]:
        rng = random.Random(hash_key(self.seed, _KIND_STREAM, 0))
        for category, start, stop in self.bounds:
            for index in range(start, stop):
                yield self._row(rng, index, category)

    def _row(
        self, rng: random.Random, index: int, category: str
    ) -> tuple[PostRow, GeoRow, UserRow]:
        poster, user = self._account(self.draw_poster(rng.random()))
        dirt = draw_dirt(rng)
        # A failed scrape hides the account, not its user and place.
        if dirt.user_info_error:
            poster_name = follower_count = USER_INFO_ERROR
        else:
            poster_name, follower_count = poster.name, poster.follower_count
        unique_id = uuid4_string(rng.getrandbits(128))
        posted = POST_START + timedelta(seconds=rng.randrange(POST_SPAN_SECONDS))
        roll = rng.random()
        locale = foreign_locale(roll)
        title = NO_TITLE if dirt.no_title else self._title(rng, roll, locale)
        description = dirt.description_marker or self._description(rng, locale)
        tags = NO_TAGS if dirt.no_tags else self._tags(rng, category)
        if dirt.image_src_error:
            image_src = IMAGE_SRC_ERROR
        else:
            image_src = image_url(rng.getrandbits(128), thumbnail=dirt.media != IMAGE)
        post: PostRow = (
            index,
            unique_id,
            title,
            description,
            poster_name,
            follower_count,
            tags,
            dirt.media,
            image_src,
            0 if dirt.image_src_error else 1,
            f"Local save in /data/{category}",
            category,
        )
        geo: GeoRow = (index, posted, user.latitude, user.longitude, user.country)
        person: UserRow = (index, user.first_name, user.last_name, user.age, user.date_joined)
        return post, geo, person

    def _title(self, rng: random.Random, roll: float, locale: int | None) -> str:
        """A title; `roll` (uniform) picks a foreign one (in `locale`) or one with an emoji."""
        long = rng.random() < LONG_TITLE_RATE
        if locale is not None:
            return clip(self._foreign_title(rng, locale, long), *TITLE_WIDTH)
        length = between(rng, 15, MAX_WINDOW) if long else between(rng, 2, 9)
        title = " ".join(self._window(rng, length)).title()
        if roll < FOREIGN_TITLE_RATE + EMOJI_TITLE_RATE:
            title = f"{title} {rng.choice(EMOJI)}"
        return clip(title, *TITLE_WIDTH)

    def _foreign_title(self, rng: random.Random, locale: int, long: bool) -> str:
        length = between(rng, 15, MAX_WINDOW) if long else between(rng, 2, 7)
        words = rng.choices(self.vocabulary.foreign_words[locale], k=length)
        # A title from a mostly-Latin locale gets one accented word so that it really is
        # non-ASCII, as the source's foreign titles are.
        words[int(rng.random() * len(words))] = rng.choice(self.vocabulary.foreign_accented[locale])
        return " ".join(words).capitalize()

    def _description(self, rng: random.Random, locale: int | None) -> str:
        if locale is not None:
            words = rng.choices(self.vocabulary.foreign_words[locale], k=between(rng, 8, 60))
            return clip(" ".join(words).capitalize() + ".", *DESCRIPTION_WIDTH)
        sentences = [
            " ".join(self._window(rng, between(rng, 5, 18))).capitalize() + "."
            for _ in range(between(rng, 1, 6))
        ]
        # After the first sentence, where cutting a long description keeps it.
        if rng.random() < EMOJI_DESCRIPTION_RATE:
            sentences.insert(1, rng.choice(EMOJI) * between(rng, 1, 3))
        return clip(" ".join(sentences), *DESCRIPTION_WIDTH)

    def _window(self, rng: random.Random, length: int) -> tuple[str, ...]:
        start = int(rng.random() * WORD_TAPE)
        return self.word_tape[start : start + length]

    def _tags(self, rng: random.Random, category: str) -> str:
        count = 9 if rng.random() < FULL_TAG_RATE else between(rng, 1, 8)
        tags = ",".join(rng.choices(self.tag_pools[category], k=count))
        # Whole tags only: the last ones go where the list is longer than the source's longest.
        while len(tags) > TAG_LIST_WIDTH:
            tags = tags.rpartition(",")[0]
        return tags


@dataclass(frozen=True)
class Batch:
    """Rows for one contiguous index range, one list per table, aligned by position."""

    posts: list[PostRow]
    geolocations: list[GeoRow]
    users: list[UserRow]

    def __len__(self) -> int:
        return len(self.posts)


def draw_dirt(rng: random.Random) -> Dirt:
    """Draw the post's media type and markers from the source's marker rates."""
    roll = rng.random()
    if roll < ALL_MARKERS_RATE:
        return Dirt(STORY, True, STORY_DESCRIPTION, True, True, True)
    # The remaining rates are conditional on not being an all-markers post.
    rest = 1 - ALL_MARKERS_RATE
    media_roll = rng.random() * rest
    story_rest = STORY_RATE - ALL_MARKERS_RATE
    if media_roll < story_rest:
        media = STORY
        src_error = rng.random() < (IMAGE_SRC_ERROR_RATE - ALL_MARKERS_RATE) / story_rest
        description: str | None = STORY_DESCRIPTION
    elif media_roll < story_rest + VIDEO_RATE:
        media, src_error, description = VIDEO, False, None
    else:
        media, src_error = IMAGE, False
        image_rate = 1 - STORY_RATE - VIDEO_RATE
        no_description = rng.random() < NO_DESCRIPTION_RATE / image_rate
        description = NO_DESCRIPTION if no_description else None
    return Dirt(
        media=media,
        no_title=rng.random() < (NO_TITLE_RATE - ALL_MARKERS_RATE) / rest,
        description_marker=description,
        no_tags=rng.random() < (NO_TAGS_RATE - ALL_MARKERS_RATE) / rest,
        user_info_error=rng.random() < (USER_INFO_ERROR_RATE - ALL_MARKERS_RATE) / rest,
        image_src_error=src_error,
    )


def foreign_locale(roll: float) -> int | None:
    """The language (of FOREIGN_LOCALES) of a post whose uniform draw is `roll`, None for
    English."""
    if roll >= FOREIGN_TITLE_RATE:
        return None
    return int(roll / FOREIGN_TITLE_RATE * len(FOREIGN_LOCALES))


def between(rng: random.Random, low: int, high: int) -> int:
    """Like rng.randint(low, high) at a fraction of its cost; the tiny bias is irrelevant here."""
    return low + int(rng.random() * (high - low + 1))


def uuid4_string(bits: int) -> str:
    """Format 128 random bits as a version-4 UUID (what uuid.uuid4() does, but seeded)."""
    bits = (bits & ~(0xF << 76)) | (0x4 << 76)
    bits = (bits & ~(0x3 << 62)) | (0x2 << 62)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def image_url(bits: int, *, thumbnail: bool = False) -> str:
    h = f"{bits:032x}"
    if thumbnail:
        return f"{THUMBNAIL_URL_PREFIX}{h[:2]}/{h[2:4]}/{h[4:6]}/{h}.0000001.jpg"
    return f"{IMAGE_URL_PREFIX}{h[:2]}/{h[2:4]}/{h[4:6]}/{h}.jpg"


def clip(text: str, chars: int, size: int) -> str:
    """`text` cut at a space to at most `chars` characters and `size` bytes of UTF-8."""
    if len(text) > chars:
        text = text[: chars + 1].rpartition(" ")[0] or text[:chars]
    if text.isascii():  # as most text is: a byte a character, no encoding needed
        return text
    while len(text.encode()) > size:
        shorter = text.rpartition(" ")[0]
        text = shorter or text.encode()[:size].decode(errors="ignore")
    return text


def _coordinate(bits: int, limit: int, extra_decimals: int) -> float:
    """A coordinate in [-limit, limit] with 4 to 6 decimals, as in the source."""
    micro = bits % (2 * limit * 1_000_000 + 1) - limit * 1_000_000
    return round(micro / 1_000_000, 4 + extra_decimals)
