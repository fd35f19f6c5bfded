/**
 * Entities and repositories (Hibernate ORM with Panache), Flyway migrations, and the
 * append-only audit log. Entities never leave this package as response bodies.
 */
package io.mailca.store;
