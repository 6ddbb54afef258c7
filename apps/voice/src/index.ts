export { VoiceNode, type VoiceNodeOptions } from './voice-node';
export { DidDirectory } from './directory/did-directory';
export { MemoryBindingStore } from './registrar/memory-binding.store';
export { RedisBindingStore } from './registrar/redis-binding.store';
export { type BindingStore, type Binding } from './registrar/binding-store.port';
export { type TrunkConfig } from './calls/trunk-dialer';
export { MemoryCallRegistry, RedisCallRegistry, type CallRegistry } from './calls/call-registry';
