def test_org(org, client):
    from windows.tests.factories import StaffFactory

    s = StaffFactory(unit=org["east_station"])
    assert s.unit.path == "/C1/D1/S1/"
    client.force_login(s.user)
    r = client.get("/workbench/")
    assert r.status_code == 200, r.content
    assert "东关派出所" in r.content.decode()
