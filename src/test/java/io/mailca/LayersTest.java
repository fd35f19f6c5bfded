package io.mailca;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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

    @Test
    void hibernateLivesInTheStoreOnly() {
        noClasses().that().resideOutsideOfPackage("io.mailca.store..")
                .should().dependOnClassesThat().resideInAnyPackage("org.hibernate..",
                        "jakarta.persistence..")
                .check(classes);
    }
}
