/* main.c - encodes one frame and prints the payloads it is handed. */
#include <stdio.h>
#include "pkt.h"

static int print_payload(const uint8_t *payload, size_t len)
{
    return printf("%.*s\n", (int)len, (const char *)payload) < 0 ? -1 : 0;
}

int main(void)
{
    uint8_t out[16];
    const uint8_t msg[] = "hello";
    if (pkt_encode(msg, 5, out, sizeof out) < 0) {
        return 1;
    }
    pkt_on_frame(print_payload);
    return pkt_dispatch(out + PKT_HDR_SIZE, 5) < 0 ? 1 : 0;
}
