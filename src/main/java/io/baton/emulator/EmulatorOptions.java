package io.baton.emulator;

import java.time.Clock;

/**
 * How an emulator starts.
 *
 * @param host    address to listen on (loopback by default)
 * @param port    0 for a free port
 * @param threads request-handling threads (latency faults hold one each)
 * @param clock   the emulator's time; {@link DigdagEmulator#advanceClock} moves it further
 * @param check   inspects every exchange before its answer goes out (contract tests); null for none
 */
public record EmulatorOptions(String host, int port, int threads, Clock clock, ExchangeCheck check) {

    public static EmulatorOptions defaults() {
        return new EmulatorOptions("127.0.0.1", 0, 16, Clock.systemUTC(), null);
    }

    public EmulatorOptions withPort(int port) {
        return new EmulatorOptions(host, port, threads, clock, check);
    }

    public EmulatorOptions withHost(String host) {
        return new EmulatorOptions(host, port, threads, clock, check);
    }

    public EmulatorOptions withClock(Clock clock) {
        return new EmulatorOptions(host, port, threads, clock, check);
    }

    public EmulatorOptions withCheck(ExchangeCheck check) {
        return new EmulatorOptions(host, port, threads, clock, check);
    }
}
