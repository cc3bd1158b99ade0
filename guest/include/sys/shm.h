/* System V shared memory for XINIM guests. struct shmid_ds is the kernel's (xk_shmid_ds). */
#ifndef _SYS_SHM_H
#define _SYS_SHM_H
#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
struct shmid_ds {
    uint32_t shm_segsz;
    int32_t shm_cpid;
    int32_t shm_lpid;
    uint32_t shm_nattch;
    uint32_t shm_perm_mode;
    uint32_t shm_perm_uid;
    int32_t shm_key;
    uint32_t pad;
};
int shmget(key_t key, size_t size, int flags);
void *shmat(int id, const void *addr, int flags);
int shmdt(const void *addr);
int shmctl(int id, int cmd, struct shmid_ds *buf);
#endif
