# broker/proto/: the REQUEST channel's wire (docs/PROTOCOL.md): frames,
# strict JSON, the message codec, signatures, quote rules, error codes.
LIBS += proto
proto_SRCS   := $(wildcard broker/proto/*.c)
proto_LDLIBS := -lsodium $(shell pkg-config --libs json-c 2>/dev/null)

UNIT_TESTS += test_frame test_proto test_sign
test_frame_LIBS := proto eth common
test_proto_LIBS := proto eth common
test_sign_LIBS  := proto eth common
