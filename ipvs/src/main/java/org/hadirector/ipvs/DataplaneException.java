package org.hadirector.ipvs;

/** A dataplane refused or failed an operation; the message names the operation and the object. */
public class DataplaneException extends Exception {
    public DataplaneException(String message) {
        super(message);
    }

    public DataplaneException(String message, Throwable cause) {
        super(message, cause);
    }
}
