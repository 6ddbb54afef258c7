import { Redis } from 'ioredis';
import { testEnvironment } from '@parley/testing';
import { describeBindingStore } from '../src/registrar/binding-store.contract';
import { RedisBindingStore } from '../src/registrar/redis-binding.store';

const redis = new Redis(testEnvironment.redisUrl());
afterAll(() => redis.quit());

describeBindingStore('Redis', () => new RedisBindingStore(redis));
