package io.mailca.dane;

/** A publication that did not happen; the job retries it. The message holds no secret. */
public class PublishException extends Exception {
    private static final long serialVersionUID = 1L;

    public PublishException(String message) {
        super(message);
    }

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
