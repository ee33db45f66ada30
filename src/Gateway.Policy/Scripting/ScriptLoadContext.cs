using System.Runtime.Loader;

namespace Gateway.Policy.Scripting;

/// <summary>
/// A collectible load context holding one compiled rule assembly. Every dependency (the runtime, Gateway.Policy.Abstractions)
/// resolves to the default context, so host and rule share exactly one copy of the contract types (DotNetCorePlugins'
/// "shared types"). Collected once nothing references the rule's delegate, types or this context.
/// </summary>
internal sealed class ScriptLoadContext(string name) : AssemblyLoadContext(name, isCollectible: true)
{
    protected override System.Reflection.Assembly? Load(System.Reflection.AssemblyName assemblyName) => null;
}
