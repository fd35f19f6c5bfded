package io.mailca.validation;

import java.net.InetAddress;

/**
 * Which addresses a validator may connect to. One rule for every challenge type, so that no
 * validator can be aimed at the CA's own host or network: link-local (cloud metadata at
 * 169.254.169.254), unspecified and multicast addresses never; loopback only when an operator
 * allows it for a single-machine trial or tests.
 */
final class TargetAddresses {
    private TargetAddresses() {
    }

    static boolean contactable(InetAddress address, boolean allowLoopback) {
        if (address.isLoopbackAddress()) {
            return allowLoopback;
        }
        return !(address.isLinkLocalAddress() || address.isAnyLocalAddress()
                || address.isMulticastAddress());
    }
}
