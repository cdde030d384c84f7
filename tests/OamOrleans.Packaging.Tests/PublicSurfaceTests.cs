using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace OamOrleans.Packaging.Tests;

/// <summary>
/// The surface users learn: the public types of the client and the runtime stay few, and no shipped assembly reaches
/// into their internals (only test assemblies may). Read from the built assemblies' metadata, so what counts is what
/// ships, not what the PublicAPI files say.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PublicSurfaceTests
{
    /// <summary>
    /// Issue 22 asks for at most 70; this ratchet is where the surface stands: lower it whenever a type goes, never raise it.
    /// </summary>
    private const int MaxPublicTypes = 69;

    private static readonly string[] Assemblies = ["OamOrleans.Client", "OamOrleans.Runtime"];

    [Fact]
    public void Client_and_runtime_export_no_more_public_types_than_the_budget()
    {
        var exported = Assemblies.SelectMany(PublicTypes).Order(StringComparer.Ordinal).ToList();

        Assert.True(
            exported.Count <= MaxPublicTypes,
            $"{exported.Count} public types in {string.Join(" + ", Assemblies)} (at most {MaxPublicTypes}):\n{string.Join('\n', exported)}");
    }

    [Fact]
    public void Client_and_runtime_show_their_internals_only_to_test_assemblies()
    {
        var friends = Assemblies.SelectMany(a => InternalsVisibleTo(a).Select(friend => $"{a} -> {friend}")).ToList();

        Assert.NotEmpty(friends); // the unit tests of the pipeline and the client rely on it
        Assert.All(friends, pair => Assert.EndsWith(".Tests", pair, StringComparison.Ordinal));
    }

    /// <summary>
    /// Types visible outside the assembly: public top-level types and public types nested in them, except the Orleans
    /// code generator's proxies and codecs (namespace <c>OrleansCodeGen</c>), which users never name.
    /// </summary>
    private static IEnumerable<string> PublicTypes(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(BuiltAssembly(assembly)));
        var md = pe.GetMetadataReader();
        foreach (var handle in md.TypeDefinitions)
        {
            if (IsVisible(md, handle) && FullName(md, handle) is var name && !name.StartsWith("OrleansCodeGen.", StringComparison.Ordinal))
            {
                yield return name;
            }
        }
    }

    private static bool IsVisible(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        return (type.Attributes & TypeAttributes.VisibilityMask) switch
        {
            TypeAttributes.Public => true,
            TypeAttributes.NestedPublic => IsVisible(md, type.GetDeclaringType()),
            _ => false,
        };
    }

    private static string FullName(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        var name = md.GetString(type.Name);
        return type.GetDeclaringType() is { IsNil: false } outer
            ? $"{FullName(md, outer)}+{name}"
            : $"{md.GetString(type.Namespace)}.{name}";
    }

    private static IEnumerable<string> InternalsVisibleTo(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(BuiltAssembly(assembly)));
        var md = pe.GetMetadataReader();
        foreach (var attribute in md.GetAssemblyDefinition().GetCustomAttributes().Select(md.GetCustomAttribute))
        {
            if (attribute.Constructor.Kind == HandleKind.MemberReference
                && md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent is { Kind: HandleKind.TypeReference } parent
                && md.GetString(md.GetTypeReference((TypeReferenceHandle)parent).Name) == nameof(System.Runtime.CompilerServices.InternalsVisibleToAttribute))
            {
                var blob = md.GetBlobReader(attribute.Value);
                blob.ReadUInt16(); // prolog
                yield return blob.ReadSerializedString()!.Split(',')[0].Trim();
            }
        }
    }

    /// <summary>The assembly as built in this test's configuration (the project references make sure it is built first).</summary>
    private static string BuiltAssembly(string assembly)
    {
        var configuration = typeof(PublicSurfaceTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var path = Path.Combine(RepoPaths.RepoRoot, "src", assembly, "bin", configuration, "net10.0", assembly + ".dll");
        Assert.True(File.Exists(path), $"{path} is not built");
        return path;
    }
}
