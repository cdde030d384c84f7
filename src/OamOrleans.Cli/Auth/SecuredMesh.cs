namespace OamOrleans.Cli.Auth;

/// <summary>
/// What <c>oam mesh up --auth</c> needs from an <c>oam auth init</c> folder: its <c>server.conf</c> to include, and two
/// credentials of its own in the run folder (mode 600): an admin of the mesh account (to prime the buckets and for the
/// health monitor's clean-up) and a user of <c>SYS</c> (the monitor's <c>$SYS</c> advisories). Neither is in users.json.
/// </summary>
internal sealed record SecuredMesh(string Dir, string ServerConfig, string AdminCreds, string SysCreds)
{
    public static SecuredMesh Prepare(string authDir, MeshRunDirectory run)
    {
        var auth = AuthDirectory.Open(authDir);
        Directory.CreateDirectory(run.Path);
        var admin = run.File(MeshRunDirectory.AdminCredsFileName);
        var sys = run.File(MeshRunDirectory.SysCredsFileName);
        auth.WriteMeshUserCreds("oam-mesh-up", MeshRoles.Admin, admin);
        auth.WriteSystemUserCreds("oam-monitor-sys", sys);
        return new SecuredMesh(auth.Dir, auth.ServerConfigPath, admin, sys);
    }

    /// <summary>Remembers which auth folder the local mesh serves (so a revoke there reloads it).</summary>
    public static void Record(MeshRunDirectory run, SecuredMesh? auth)
    {
        var file = run.AuthDirFile;
        if (auth is null)
        {
            File.Delete(file);
            return;
        }

        File.WriteAllText(file, auth.Dir + "\n");
    }

    public static string? RecordedDir(MeshRunDirectory run)
    {
        try
        {
            return File.ReadAllText(run.AuthDirFile).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
