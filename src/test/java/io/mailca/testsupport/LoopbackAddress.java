package io.mailca.testsupport;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback address of 127.0.0.0/8 other than 127.0.0.1 on which given well-known ports are
 * free, for programs that cannot be told another port: a sending MTA connects to port 25 of
 * the MX host, and {@code /etc/resolv.conf} names a resolver without a port (53). A random
 * address keeps parallel test runs on one machine apart, as free ports do elsewhere.
 */
public final class LoopbackAddress {
    private LoopbackAddress() {
    }

    /** An address of 127.0.0.0/8 where each port is free for TCP and UDP (needs root). */
    public static InetAddress withFreePorts(int... ports) {
        var random = ThreadLocalRandom.current();
        for (var attempt = 0; attempt < 50; attempt++) {
            var address = address(random.nextInt(1, 255), random.nextInt(0, 256),
                    random.nextInt(1, 255));
            if (free(address, ports)) {
                return address;
            }
        }
        throw new IllegalStateException("no loopback address with free ports "
                + java.util.Arrays.toString(ports) + " (binding ports below 1024 needs root)");
    }

    private static InetAddress address(int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {127, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean free(InetAddress address, int... ports) {
        for (var port : ports) {
            var socketAddress = new InetSocketAddress(address, port);
            try (var tcp = new ServerSocket()) {
                tcp.bind(socketAddress);
                try (var udp = new DatagramSocket(socketAddress)) {
                    // Both free.
                }
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }
}
