package io.mailca.acme;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mailca.testsupport.AcmeTestServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8555 §7.1.1: the directory, and §6.1: ACME over HTTPS only. */
@QuarkusTest
@QuarkusTestResource(value = AcmeTestServers.class, restrictToAnnotatedClass = false)
class DirectoryTest {

    @Test
    void namesEveryResourceByAbsoluteHttpsUrl() {
        var reply = AcmeHttp.get(AcmeHttp.DIRECTORY);

        assertThat(reply.status()).isEqualTo(200);
        var directory = reply.json();
        assertThat(directory.get("newNonce").asText()).isEqualTo(AcmeHttp.NEW_NONCE);
        assertThat(directory.get("newAccount").asText()).isEqualTo(AcmeHttp.NEW_ACCOUNT);
        assertThat(directory.get("newOrder").asText()).isEqualTo(AcmeHttp.NEW_ORDER);
        assertThat(directory.get("revokeCert").asText()).isEqualTo(AcmeHttp.REVOKE_CERT);
        assertThat(directory.get("keyChange").asText()).isEqualTo(AcmeHttp.KEY_CHANGE);
        for (var name : List.of("newNonce", "newAccount", "newOrder", "revokeCert",
                "keyChange")) {
            var url = URI.create(directory.get(name).asText());
            assertThat(url.isAbsolute()).as(name).isTrue();
            assertThat(url.getScheme()).as(name).isEqualTo("https");
        }
    }

    @Test
    void metaFieldsHaveTheirRfcTypes() {
        var meta = AcmeHttp.get(AcmeHttp.DIRECTORY).json().get("meta");

        assertThat(meta.isObject()).as("meta %s", meta).isTrue();
        assertThat(meta.get("termsOfService").isTextual()).isTrue();
        var terms = URI.create(meta.get("termsOfService").asText());
        assertThat(terms.isAbsolute()).isTrue();
        assertThat(terms.getScheme()).isEqualTo("https");
        assertThat(meta.get("website").isTextual()).isTrue();
        assertThat(URI.create(meta.get("website").asText()).isAbsolute()).isTrue();
        assertThat(meta.get("caaIdentities").isArray()).isTrue();
        assertThat(meta.get("caaIdentities")).allMatch(JsonNode::isTextual)
                .extracting(JsonNode::asText).containsExactly("mailca.example.test");
        assertThat(meta.get("externalAccountRequired").isBoolean()).isTrue();
        assertThat(meta.get("externalAccountRequired").booleanValue()).isFalse();
    }

    @Test
    void holdsNoNullAnywhere() {
        var nulls = new ArrayList<String>();
        collectNulls(AcmeHttp.get(AcmeHttp.DIRECTORY).json(), "$", nulls);

        assertThat(nulls).isEmpty();
    }

    @Test
    void plainHttpIsRefusedWithAProblemDocument() {
        var response = given().baseUri("http://localhost").port(AcmeTestServers.httpPort())
                .when().get("/acme/directory")
                .then().extract().response();

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.jsonPath().getString("type"))
                .isEqualTo(AcmeHttp.ERROR + "malformed");
        assertThat(response.jsonPath().getInt("status")).isEqualTo(400);
    }

    @Test
    void caRootIsServedOverPlainHttp() {
        var response = given().baseUri("http://localhost").port(AcmeTestServers.httpPort())
                .when().get("/ca/root.pem")
                .then().extract().response();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.asString()).startsWith("-----BEGIN CERTIFICATE-----");
    }

    private static void collectNulls(JsonNode node, String path, List<String> nulls) {
        if (node.isNull()) {
            nulls.add(path);
        } else if (node.isObject()) {
            node.fields().forEachRemaining(e -> collectNulls(e.getValue(),
                    path + "." + e.getKey(), nulls));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectNulls(node.get(i), path + "[" + i + "]", nulls);
            }
        }
    }
}
