"""`tenancy validate --base`: an existing tenant cannot switch its database encryption (Cloud SQL's
and Firestore's keys are set at creation; a change replaces the databases), a new tenant chooses
freely, and GKE secrets encryption changes in place."""

from __future__ import annotations

from tenancy.automation.registry_diff import encryption_changed, pull_request_problems


def _feature(repo):
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def test_turning_cloudsql_cmek_on_for_an_existing_tenant_is_refused(project_repo):
    repo = _feature(project_repo)
    text = (repo.path / "tenants" / "initech.yaml").read_text()
    repo.write("tenants/initech.yaml", text + "encryption:\n  cloudsql_cmek: true\n")
    repo.commit("encrypt initech's databases")
    (problem,) = encryption_changed("main", repo.path / "tenants")
    assert (problem.file, problem.field) == ("initech.yaml", "encryption.cloudsql_cmek")
    assert "was False in main" in problem.reason and "replaces them" in problem.reason
    assert problem in pull_request_problems("main", repo.path / "tenants")


def test_turning_firestore_cmek_off_is_refused_too(project_repo):
    text = (project_repo.path / "tenants" / "initech.yaml").read_text()
    project_repo.write("tenants/initech.yaml", text + "encryption:\n  firestore_cmek: true\n")
    project_repo.commit("initech born encrypted")
    repo = _feature(project_repo)
    repo.write("tenants/initech.yaml", text)
    repo.commit("and back")
    assert [p.field for p in encryption_changed("main", repo.path / "tenants")] == [
        "encryption.firestore_cmek"
    ]


def test_a_new_tenant_and_gke_secrets_encryption_are_free(project_repo):
    repo = _feature(project_repo)
    text = (repo.path / "tenants" / "initech.yaml").read_text()
    repo.write("tenants/initech.yaml", text + "encryption:\n  gke_secrets_cmek: true\n")
    repo.write(
        "tenants/newco.yaml",
        text.replace("initech", "newco") + "encryption:\n  cloudsql_cmek: true\n",
    )
    repo.commit("in place, and a new tenant")
    assert encryption_changed("main", repo.path / "tenants") == []
