using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.Tests;

/// <summary>
/// src/Exporter's folders depend one way: read from the compiled exporter, every type's references (signatures, base
/// types, attributes and the tokens of its method bodies) make a graph between the folders' namespaces, and it has no
/// cycle. A dependency the source spells without a using (the root namespace, which every folder sees) counts too.
/// </summary>
public sealed partial class FolderDependencyTests(ITestOutputHelper output)
{
    private const string Root = "LogCollectorExporter";

    private static readonly string Source = Path.Combine(Tools.RepositoryRoot, "src", "Exporter");

    /// <summary>What each one-byte and two-byte IL opcode is followed by.</summary>
    private static readonly Dictionary<ushort, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => unchecked((ushort)code.Value), code => code.OperandType);

    [Fact]
    public void Folders_depend_one_way()
    {
        var graph = FolderGraph(typeof(Platform.Duration).Assembly.Location);
        foreach (var (folder, uses) in graph.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{folder} → {string.Join(", ", uses.Order(StringComparer.Ordinal))}");
        }

        Assert.True(graph.ContainsKey("Configuration") && graph.ContainsKey("Web"), "the graph found none of the exporter's folders");
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"the folders depend on each other in a cycle: {string.Join(" → ", cycle ?? [])}");
    }

    [Fact]
    public void Each_file_declares_the_namespace_of_its_folder()
    {
        var files = Directory.EnumerateFiles(Source, "*.cs", SearchOption.AllDirectories)
            .Where(file => Path.GetRelativePath(Source, file).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"))
            .ToList();

        Assert.NotEmpty(files);
        Assert.All(files, file =>
        {
            var folder = Path.GetDirectoryName(Path.GetRelativePath(Source, file))!;
            var expected = folder.Length == 0 ? Root : $"{Root}.{folder.Replace(Path.DirectorySeparatorChar, '.')}";
            var declared = NamespaceLine().Match(File.ReadAllText(file));
            // Top-level statements (Program.cs) have no namespace; they compile into the global one, counted as the root.
            Assert.True(declared.Success ? declared.Groups["name"].Value == expected : folder.Length == 0,
                $"{Path.GetRelativePath(Source, file)} declares {(declared.Success ? declared.Groups["name"].Value : "no namespace")}, not {expected}");
        });
    }

    /// <summary>Folder (the namespace's first part after the root; "root" for the root and global ones) → folders it uses.</summary>
    private static Dictionary<string, HashSet<string>> FolderGraph(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var metadata = pe.GetMetadataReader();
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeDefinitions)
        {
            if (FolderOf(metadata, handle) is not { } from)
            {
                continue;
            }

            var uses = graph.TryGetValue(from, out var existing) ? existing : graph[from] = new(StringComparer.Ordinal);
            foreach (var used in References(pe, metadata, handle))
            {
                if (FolderOf(metadata, used) is { } to && to != from)
                {
                    uses.Add(to);
                }
            }
        }

        return graph;
    }

    /// <summary>The folder of a type of the exporter (a nested one: of the type it is in); null for generated code.</summary>
    private static string? FolderOf(MetadataReader metadata, TypeDefinitionHandle handle)
    {
        var type = metadata.GetTypeDefinition(handle);
        while (type.IsNested)
        {
            type = metadata.GetTypeDefinition(type.GetDeclaringType());
        }

        var name = metadata.GetString(type.Namespace);
        if (name.Length == 0)
        {
            return metadata.GetString(type.Name) == "Program" ? "root" : null;
        }

        return name == Root ? "root"
            : name.StartsWith(Root + ".", StringComparison.Ordinal) ? name[(Root.Length + 1)..].Split('.')[0]
            : null;
    }

    /// <summary>Every type of the assembly that a type names: base, interfaces, members' signatures, attributes, method bodies.</summary>
    private static HashSet<TypeDefinitionHandle> References(PEReader pe, MetadataReader metadata, TypeDefinitionHandle handle)
    {
        var found = new Collector(metadata);
        var type = metadata.GetTypeDefinition(handle);
        found.Entity(type.BaseType);
        foreach (var implementation in type.GetInterfaceImplementations())
        {
            found.Entity(metadata.GetInterfaceImplementation(implementation).Interface);
        }

        found.Attributes(type.GetCustomAttributes());
        found.Constraints(type.GetGenericParameters());
        foreach (var fieldHandle in type.GetFields())
        {
            var field = metadata.GetFieldDefinition(fieldHandle);
            field.DecodeSignature(found, null);
            found.Attributes(field.GetCustomAttributes());
        }

        foreach (var propertyHandle in type.GetProperties())
        {
            var property = metadata.GetPropertyDefinition(propertyHandle);
            property.DecodeSignature(found, null);
            found.Attributes(property.GetCustomAttributes());
        }

        foreach (var methodHandle in type.GetMethods())
        {
            var method = metadata.GetMethodDefinition(methodHandle);
            method.DecodeSignature(found, null);
            found.Attributes(method.GetCustomAttributes());
            found.Constraints(method.GetGenericParameters());
            foreach (var parameter in method.GetParameters())
            {
                found.Attributes(metadata.GetParameter(parameter).GetCustomAttributes());
            }

            if (method.RelativeVirtualAddress != 0)
            {
                Body(pe.GetMethodBody(method.RelativeVirtualAddress), metadata, found);
            }
        }

        return found.Types;
    }

    /// <summary>The locals of a method body, and every type, method and field its instructions name.</summary>
    private static void Body(MethodBodyBlock body, MetadataReader metadata, Collector found)
    {
        if (!body.LocalSignature.IsNil)
        {
            metadata.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(found, null);
        }

        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            var first = il.ReadByte();
            var code = first == 0xFE ? (ushort)(0xFE00 | il.ReadByte()) : first;
            switch (Operands[code])
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    found.Entity(MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineSig or OperandType.InlineString
                    or OperandType.ShortInlineR:
                    il.Offset += 4;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>The shortest cycle through the first folder (by name) that is on one, as folder → … → the same folder.</summary>
    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            var cameFrom = new Dictionary<string, string>(StringComparer.Ordinal);
            var queue = new Queue<string>([start]);
            while (queue.TryDequeue(out var folder))
            {
                foreach (var next in graph.GetValueOrDefault(folder, []).Order(StringComparer.Ordinal))
                {
                    if (next == start)
                    {
                        var path = new List<string> { start };
                        for (var at = folder; at != start; at = cameFrom[at])
                        {
                            path.Insert(1, at);
                        }

                        path.Add(start);
                        return path;
                    }

                    if (cameFrom.TryAdd(next, folder))
                    {
                        queue.Enqueue(next);
                    }
                }
            }
        }

        return null;
    }

    [GeneratedRegex(@"^namespace\s+(?<name>[A-Za-z_.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    /// <summary>Gathers the assembly's own types out of handles and signatures; other assemblies' types are left out.</summary>
    private sealed class Collector(MetadataReader metadata) : ISignatureTypeProvider<int, object?>
    {
        public HashSet<TypeDefinitionHandle> Types { get; } = [];

        public void Entity(EntityHandle handle)
        {
            if (handle.IsNil)
            {
                return;
            }

            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    Types.Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    metadata.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                    break;
                case HandleKind.MethodDefinition:
                    Types.Add(metadata.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.FieldDefinition:
                    Types.Add(metadata.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    var member = metadata.GetMemberReference((MemberReferenceHandle)handle);
                    Entity(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method)
                    {
                        member.DecodeMethodSignature(this, null);
                    }
                    else
                    {
                        member.DecodeFieldSignature(this, null);
                    }

                    break;
                case HandleKind.MethodSpecification:
                    var specification = metadata.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Entity(specification.Method);
                    specification.DecodeSignature(this, null);
                    break;
                default:
                    break;
            }
        }

        public void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var attribute in attributes)
            {
                Entity(metadata.GetCustomAttribute(attribute).Constructor);
            }
        }

        public void Constraints(GenericParameterHandleCollection parameters)
        {
            foreach (var parameter in parameters)
            {
                foreach (var constraint in metadata.GetGenericParameter(parameter).GetConstraints())
                {
                    Entity(metadata.GetGenericParameterConstraint(constraint).Type);
                }
            }
        }

        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            Types.Add(handle);
            return 0;
        }

        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => 0;

        public int GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;

        public int GetSZArrayType(int elementType) => 0;

        public int GetArrayType(int elementType, ArrayShape shape) => 0;

        public int GetByReferenceType(int elementType) => 0;

        public int GetPointerType(int elementType) => 0;

        public int GetPinnedType(int elementType) => 0;

        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;

        public int GetGenericMethodParameter(object? genericContext, int index) => 0;

        public int GetGenericTypeParameter(object? genericContext, int index) => 0;

        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;

        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
    }
}
