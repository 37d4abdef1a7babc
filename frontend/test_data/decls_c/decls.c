#include <stddef.h>

/* Number of slots. */
#define N 4
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/** A node of the list. */
typedef struct node {
    int value;
    struct node *next;
} node_t;

typedef struct node node_alias;
typedef int (*cmp_fn)(const void *, const void *);

enum color { RED, GREEN = 2, BLUE };

struct point {
    int x, y;
};

union word { int i; float f; };

static const int table[] = { 1, 2, 3, N };
int counter = 0, *counter_p; // trailing, not a doc
extern char *names[];
const char *greeting = "hi";

int lookup(int key);

#ifdef USE_FAST
#define FAST 1
static int fast_cache[N];
#else
enum { SLOW_A, SLOW_B };
#endif

struct pair { int a, b; } origin;

int sum(const int *xs, size_t n) {
    struct local { int hidden; } l = { 0 };
    enum { LOCAL_E };
    static int calls;
#define INNER 1
    calls++;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += xs[i];
    }
    return (int)total + l.hidden + LOCAL_E;
}
