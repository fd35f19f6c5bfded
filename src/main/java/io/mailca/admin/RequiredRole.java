package io.mailca.admin;

import io.mailca.registration.Role;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The least role an admin endpoint needs. {@link AdminAuthentication} reads it on every
 * request; an endpoint without it needs {@link Role#ADMIN}, so a forgotten annotation fails
 * closed.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RequiredRole {
    Role value();
}
