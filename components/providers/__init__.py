"""Dynamic Pulumi providers: resources no published provider offers (a self-hosted Temporal
namespace). They are Pulumi resources, so they sit with the components."""
