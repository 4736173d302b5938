package org.hadirector.conf.model;

/** BFD_CHECK (parsed; hadirector has no BFD). */
public record BfdCheck(String name) implements Checker {

    @Override
    public String type() {
        return "BFD_CHECK";
    }
}
