using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace Gateway.Policy.Scripting;

/// <summary>
/// Maps an IL offset in a rule's method to its script line and column, from the portable PDB emitted with the rule.
/// The runtime's own stack-trace line lookup does not resolve symbols of assemblies loaded from a stream into a
/// collectible context, so a throwing rule would be reported without its line. Used only when a rule throws.
/// The PDB describes the script with its budget checks inserted; <paramref name="positions"/> maps its lines and columns
/// back to the script as written.
/// </summary>
internal sealed class ScriptLineMap(byte[] portablePdb, ScriptPositionMap? positions = null)
{
    private readonly Lazy<MetadataReaderProvider> _provider = new(() => MetadataReaderProvider.FromPortablePdbImage(System.Collections.Immutable.ImmutableArray.Create(portablePdb)));

    /// <summary>The (1-based) line and column of the statement at <paramref name="ilOffset"/> in method <paramref name="methodToken"/>, or null.</summary>
    public (int Line, int Column)? Find(int methodToken, int ilOffset)
    {
        if (ilOffset < 0) return null;
        try
        {
            var reader = _provider.Value.GetMetadataReader();
            var handle = ((MethodDefinitionHandle)MetadataTokens.Handle(methodToken)).ToDebugInformationHandle();
            SequencePoint? best = null;
            foreach (var point in reader.GetMethodDebugInformation(handle).GetSequencePoints())
            {
                if (point.IsHidden) continue;
                if (point.Offset > ilOffset) break;
                best = point;
            }
            if (best is not { } p) return null;
            return positions is null ? (p.StartLine, p.StartColumn) : positions.ToOriginal(p.StartLine, p.StartColumn);
        }
        catch (BadImageFormatException)
        {
            return null;
        }
        catch (InvalidCastException)
        {
            return null;
        }
    }
}
