package io.mailca.acme;

import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class AdminProbeTest {
    @Test
    void probe() {
        System.err.println("PROBE " + AcmeHttp.get("https://localhost:" + System.getProperty(AcmeTestServers.HTTPS_PORT_PROPERTY) + "/admin/v1/ca"));
        System.err.println("PROBE " + AcmeHttp.get("http://localhost:" + System.getProperty(AcmeTestServers.HTTP_PORT_PROPERTY) + "/admin/v1/ca"));
    }
}
