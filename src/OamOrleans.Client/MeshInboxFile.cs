namespace OamOrleans.Client;

/// <summary>
/// The inbox prefix recorded next to a creds file (<c>alice.creds</c> → <c>alice.inbox</c>) by
/// <c>oam auth user add --private-inbox</c>: a user whose JWT allows only its private inbox must send every request with
/// that prefix, so whoever connects with those creds picks it up without being told.
/// </summary>
internal static class MeshInboxFile
{
    public static string PathFor(string credsFile) => Path.ChangeExtension(Path.GetFullPath(credsFile), ".inbox");

    /// <summary>Writes <paramref name="prefix"/> next to <paramref name="credsFile"/>, or removes a stale file when null.</summary>
    public static void Write(string credsFile, string? prefix)
    {
        var path = PathFor(credsFile);
        if (prefix is null)
        {
            File.Delete(path);
            return;
        }

        File.WriteAllText(path, prefix + "\n");
    }

    /// <summary>The prefix recorded next to <paramref name="credsFile"/>, or null when there is none.</summary>
    public static string? Read(string? credsFile)
    {
        if (credsFile is null)
        {
            return null;
        }

        try
        {
            return File.ReadAllText(PathFor(credsFile)).Trim() is { Length: > 0 } prefix ? prefix : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
