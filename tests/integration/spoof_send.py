#!/usr/bin/env python3
"""Sends COUNT UDP frames with any source address from an interface (AF_PACKET).

Usage: spoof_send.py IFACE DST_MAC SRC_IP DST_IP COUNT [VLAN_ID]

The frames go straight onto the link, so the source address can be one the
host does not own: the tests use it to forge another host's address. IPv4 or
IPv6 by the addresses' form; VLAN_ID adds one 802.1Q tag. Prints the number
of frames sent.
"""
import ipaddress
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_packet(src, dst, payload):
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    if src.version == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                          src.packed, dst.packed)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return 0x0800, hdr + udp
    pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(udp), 17)
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64, src.packed, dst.packed)
    return 0x86DD, hdr + udp


def main(argv):
    if len(argv) not in (6, 7):
        sys.exit(__doc__)
    iface, dst_mac, src, dst, count = argv[1:6]
    src, dst, count = ipaddress.ip_address(src), ipaddress.ip_address(dst), int(count)
    if src.version != dst.version or not 0 < count <= 1000000:
        sys.exit("spoof_send: addresses of one family and 1..1000000 frames")
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    src_mac = sock.getsockname()[4]
    proto, packet = ip_packet(src, dst, b"payflow-spoof-test")
    head = bytes.fromhex(dst_mac.replace(":", "")) + src_mac
    if len(argv) == 7:
        head += struct.pack("!HH", 0x8100, int(argv[6]) & 0xFFF)
    frame = head + struct.pack("!H", proto) + packet
    for _ in range(count):
        sock.send(frame)
    print(count)


if __name__ == "__main__":
    main(sys.argv)
