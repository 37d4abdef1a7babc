#include <string.h>
#include "pkt.h"

static pkt_handler registered;

int pkt_encode(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
    if (PKT_ENCODED_SIZE(len) > cap) {
        return -1;
    }
    out[0] = 0xA5;
    out[1] = (uint8_t)len;
    memcpy(out + PKT_HDR_SIZE, payload, len);
    out[PKT_HDR_SIZE + len] = 0;
    return (int)PKT_ENCODED_SIZE(len);
}

int pkt_on_frame(pkt_handler handler)
{
    registered = handler;
    return 0;
}

int pkt_dispatch(const uint8_t *payload, size_t len)
{
    return registered != NULL ? registered(payload, len) : -1;
}
