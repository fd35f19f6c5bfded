package io.mailca.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Percent-decoding of the OCSP GET path segment (RFC 6960 Appendix A.1, RFC 3986 §2.1). */
class RevocationResourceTest {
    @Test
    void decodesPercentEscapesAndKeepsPlus() {
        assertThat(RevocationResource.percentDecode("MEow%2FQ%3D%3D")).isEqualTo("MEow/Q==");
        assertThat(RevocationResource.percentDecode("ab+c/d=")).isEqualTo("ab+c/d=");
    }

    @Test
    void refusesBrokenEscapes() {
        assertThatThrownBy(() -> RevocationResource.percentDecode("ab%zz"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
