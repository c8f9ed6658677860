/* Random container names in docker's style, and the name syntax check. Our
 * own word lists: cheerful adjectives and notable scientists and hackers. */
#include "common/names.h"
#include "common/cleanup.h"
#include "common/ids.h"

#include <string.h>

static const char *const adjectives[] = {
    "admiring", "adoring",  "agile",    "amazing",    "amused",   "awesome",   "blissful",
    "bold",     "boring",   "brave",    "bright",     "busy",     "calm",      "candid",
    "careful",  "charming", "cheerful", "clever",     "cool",     "cosmic",    "crafty",
    "curious",  "daring",   "dazzling", "determined", "devoted",  "dreamy",    "eager",
    "earnest",  "elated",   "elegant",  "eloquent",   "epic",     "fearless",  "festive",
    "fierce",   "focused",  "friendly", "frosty",     "funny",    "gallant",   "gentle",
    "gifted",   "glowing",  "goofy",    "gracious",   "happy",    "hardy",     "helpful",
    "heroic",   "honest",   "hopeful",  "humble",     "hungry",   "inspiring", "jolly",
    "jovial",   "joyful",   "keen",     "kind",       "laughing", "lively",    "loving",
    "lucid",    "lucky",    "magical",  "mellow",     "merry",    "modest",    "musing",
    "mystic",   "nervous",  "nice",     "nifty",      "nimble",   "noble",     "optimistic",
    "patient",  "peaceful", "pensive",  "plucky",     "polite",   "practical", "proud",
    "quiet",    "quirky",   "radiant",  "relaxed",    "romantic", "serene",    "sharp",
    "silly",    "sleepy",   "smart",    "sparkling",  "steady",   "stoic",     "sunny",
    "sweet",    "tender",   "thirsty",  "tidy",       "trusting", "upbeat",    "valiant",
    "vibrant",  "vigilant", "vivid",    "warm",       "wise",     "witty",     "youthful",
    "zealous",  "zen",      "zesty",
};

static const char *const surnames[] = {
    "agnesi",     "archimedes", "babbage",   "backus",      "bardeen",    "bell",       "bohr",
    "boole",      "borg",       "bose",      "brattain",    "carson",     "cerf",       "clarke",
    "conway",     "curie",      "darwin",    "dijkstra",    "dirac",      "edison",     "einstein",
    "euclid",     "euler",      "faraday",   "fermat",      "fermi",      "feynman",    "franklin",
    "galileo",    "gauss",      "germain",   "goldberg",    "goodall",    "hamilton",   "hawking",
    "heisenberg", "hertz",      "hodgkin",   "hopper",      "hypatia",    "johnson",    "joliot",
    "kapitsa",    "kepler",     "kernighan", "kilby",       "knuth",      "lalande",    "lamarr",
    "lamport",    "leakey",     "leavitt",   "liskov",      "lovelace",   "maxwell",    "mayer",
    "mccarthy",   "mcclintock", "meitner",   "mendel",      "minsky",     "mirzakhani", "moore",
    "morse",      "napier",     "nash",      "neumann",     "newton",     "nobel",      "noether",
    "noyce",      "pascal",     "pasteur",   "payne",       "perlman",    "pike",       "planck",
    "poincare",   "ramanujan",  "ride",      "ritchie",     "rubin",      "sammet",     "shannon",
    "shockley",   "sinoussi",   "stallman",  "stonebraker", "sutherland", "tesla",      "thompson",
    "torvalds",   "turing",     "volhard",   "wescoff",     "wilson",     "wing",       "wozniak",
    "wright",     "yalow",      "yonath",
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

char *name_random(unsigned retry)
{
    for (;;) {
        const char *adj = adjectives[id_random_below(N_ELEMS(adjectives))];
        const char *sur = surnames[id_random_below(N_ELEMS(surnames))];
        /* Steve Wozniak is not boring: docker never hands out this one. */
        if (strcmp(adj, "boring") == 0 && strcmp(sur, "wozniak") == 0)
            continue;
        if (retry > 0)
            return xasprintf("%s_%s%u", adj, sur, id_random_below(10));
        return xasprintf("%s_%s", adj, sur);
    }
}

static bool name_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return !first && (c == '_' || c == '.' || c == '-');
}

bool name_valid(const char *name)
{
    if (!name)
        return false;
    /* The API reports names with a leading "/", and clients may send it back. */
    if (*name == '/')
        name++;
    if (!name_char(name[0], true) || name[1] == '\0')
        return false;
    for (const char *p = name + 1; *p; p++)
        if (!name_char(*p, false))
            return false;
    return true;
}
