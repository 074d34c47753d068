/* include/benchnorm_secret.h from C: compiled with -Werror against the
 * header and linked against one library by test_backend_processes.py.
 * Prints one line per check and "ok" at the end; exits 1 at the first
 * failed check. */
#include <stdio.h>
#include <string.h>

#include "benchnorm_secret.h"

static int failed;

#define CHECK(cond)                                                   \
    do {                                                              \
        if (!(cond)) {                                                \
            char msg_[256];                                           \
            bn_last_error(msg_, sizeof msg_);                         \
            printf("FAILED line %d: %s (last error: %s)\n", __LINE__, \
                   #cond, msg_);                                      \
            failed = 1;                                               \
            return 1;                                                 \
        }                                                             \
    } while (0)

static int run(void) {
    static const uint8_t key[] = "correct horse";
    const size_t n = sizeof key - 1;
    bn_handle h = 0, floor = 0;
    int equal = -1;
    uint64_t opened = 0;
    char msg[128];

    CHECK(bn_abi_version() == BN_ABI_VERSION);
    CHECK(bn_max_len() >= 4080);

    CHECK(bn_secret_new(key, n, &h) == BN_OK && h != 0);
    CHECK(bn_secret_verify(h, key, n, &equal) == BN_OK && equal == 1);
    CHECK(bn_secret_verify(h, (const uint8_t *)"battery staple", 14, &equal) == BN_OK && equal == 0);
    CHECK(bn_secret_verify(h, NULL, 0, &equal) == BN_OK && equal == 0);
    CHECK(bn_secret_open_transitions(h, &opened) == BN_OK && opened == 3);
    CHECK(bn_secret_destroy(h) == BN_OK);
    CHECK(bn_secret_destroy(h) == BN_OK);
    equal = 42;
    CHECK(bn_secret_verify(h, key, n, &equal) == BN_ERR_DESTROYED && equal == 42);

    CHECK(bn_secret_new(key, 0, &h) == BN_ERR_LENGTH);
    CHECK(bn_secret_new(key, bn_max_len() + 1, &h) == BN_ERR_LENGTH);
    CHECK(bn_secret_new(NULL, 3, &h) == BN_ERR_NULL);
    CHECK(bn_secret_new(key, n, NULL) == BN_ERR_NULL);
    CHECK(bn_secret_verify(0, key, n, &equal) == BN_ERR_BAD_HANDLE);

    /* The message of the last failure, truncated like snprintf. */
    size_t full = bn_last_error(msg, sizeof msg);
    CHECK(full > 0 && strlen(msg) == (full < sizeof msg ? full : sizeof msg - 1));
    CHECK(bn_last_error(msg, 4) == full && strlen(msg) == 3);
    CHECK(bn_last_error(NULL, 0) == full);

    CHECK(bn_floor_new(&floor) == BN_OK && floor != 0);
    CHECK(bn_floor_op(floor) == BN_OK);
    CHECK(bn_secret_verify(floor, key, n, &equal) == BN_ERR_BAD_HANDLE);
    CHECK(bn_floor_free(floor) == BN_OK);
    CHECK(bn_floor_free(floor) == BN_OK);
    CHECK(bn_floor_op(floor) == BN_ERR_DESTROYED);
    return 0;
}

int main(void) {
    run();
    if (failed) {
        return 1;
    }
    printf("ok\n");
    return 0;
}
