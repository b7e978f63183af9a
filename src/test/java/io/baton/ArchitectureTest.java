package io.baton;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * No package of Baton depends on itself through others: each package (a feature, or a role inside one such as
 * {@code digdag.client}) is a slice, and any cycle among slices fails with the classes that close it.
 */
@Tag("unit")
class ArchitectureTest {

    private static final JavaClasses BATON = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.baton");

    @Test
    void noPackageCycles() {
        slices().matching("io.baton.(**)").should().beFreeOfCycles().check(BATON);
    }
}
