import { describeBindingStore } from './binding-store.contract';
import { MemoryBindingStore } from './memory-binding.store';

describeBindingStore('in-memory', () => new MemoryBindingStore());
