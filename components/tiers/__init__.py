"""The three tier components: SharedPool, NamespaceTenant, DedicatedCluster."""
