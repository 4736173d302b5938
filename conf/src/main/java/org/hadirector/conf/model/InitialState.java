package org.hadirector.conf.model;

/** The state keyword: where an instance starts. Both wait for Master_Down_Interval unless priority is 255. */
public enum InitialState {
    MASTER,
    BACKUP
}
