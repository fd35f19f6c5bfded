package io.mailca;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one-way flow of DESIGN.md: front ends, then registration, then the CA's parts. */
class LayersTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.mailca");
    }

    @Test
    void requestsFlowDownwardsOnly() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("front").definedBy("io.mailca.acme..", "io.mailca.admin..",
                        "io.mailca.web..")
                .layer("registration").definedBy("io.mailca.registration..")
                .layer("core").definedBy("io.mailca.policy..", "io.mailca.validation..",
                        "io.mailca.issuance..", "io.mailca.dane..")
                .layer("bottom").definedBy("io.mailca.dns..", "io.mailca.store..")
                .whereLayer("front").mayNotBeAccessedByAnyLayer()
                .whereLayer("registration").mayOnlyBeAccessedByLayers("front")
                .whereLayer("core").mayOnlyBeAccessedByLayers("front", "registration")
                .whereLayer("bottom").mayOnlyBeAccessedByLayers("front", "registration", "core")
                .check(classes);
    }

    @Test
    void jwsLivesInTheAcmeFrontEndOnly() {
        noClasses().that().resideOutsideOfPackage("io.mailca.acme..")
                .should().dependOnClassesThat().resideInAPackage("org.jose4j..")
                .check(classes);
    }

    /**
     * DESIGN.md: {@code dns} is the one place for DNS lookups, so no other package builds a
     * dnsjava resolver, lookup or validator. dnsjava's message and record types (TLSA rdata, MX
     * targets) may be used anywhere. The one exception is the RFC 2136 publisher: sending
     * TSIG-signed updates, and reading the primary's RRset as the update's prerequisite over the
     * same TSIG-signed connection, is publishing, the job of {@code dane} (STYLE.md: outbound
     * clients live where their protocol is the job).
     */
    @Test
    void dnsResolversLiveInTheDnsPackageOnly() {
        var resolvers = JavaClass.Predicates.assignableTo("org.xbill.DNS.Resolver")
                .or(JavaClass.Predicates.resideInAnyPackage("org.xbill.DNS.dnssec..",
                        "org.xbill.DNS.lookup..", "org.xbill.DNS.config..",
                        "org.xbill.DNS.hosts..", "org.xbill.DNS.io.."))
                .or(JavaClass.Predicates.simpleName("Lookup"))
                .or(JavaClass.Predicates.simpleName("ResolverConfig"))
                .or(JavaClass.Predicates.simpleName("ZoneTransferIn"));
        noClasses().that().resideOutsideOfPackage("io.mailca.dns..")
                .and().doNotHaveFullyQualifiedName("io.mailca.dane.Rfc2136Publisher")
                .should().dependOnClassesThat(
                        resolvers.as("are dnsjava resolvers, lookups or validators"))
                .check(classes);
    }

    @Test
    void hibernateLivesInTheStoreOnly() {
        noClasses().that().resideOutsideOfPackage("io.mailca.store..")
                .should().dependOnClassesThat().resideInAnyPackage("org.hibernate..",
                        "jakarta.persistence..")
                .check(classes);
    }
}
