/* startup_mps2.c -- minimal Cortex-M startup for examples/freestanding/app.cpp on MPS2 (QEMU's
 * mps2-an386), used with mps2_an386.ld instead of the toolchain's crt0 (-nostartfiles):
 *   - the vector table (initial stack pointer, reset, the fault handlers, SysTick);
 *   - Reset_Handler: copies .data from flash, zero-fills .bss, runs the C++ static
 *     constructors (.init_array), calls main(), and parks the core if main returns.
 * Faults exit QEMU through semihosting (status 10 + exception number), so a crash shows up as a
 * failed run instead of a hang. */

#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
extern int main(void);
extern void SysTick_Handler(void);

void Reset_Handler(void);
void Fault_Handler(void);

static void semihosting_exit(uint32_t status) {
  static uint32_t block[2];
  block[0] = 0x20026u; /* ADP_Stopped_ApplicationExit */
  block[1] = status;
  register uint32_t r0 __asm__("r0") = 0x20u; /* SYS_EXIT_EXTENDED: carries the status */
  register uint32_t *r1 __asm__("r1") = block;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  for (;;) __asm__ volatile("wfi");
}

void Fault_Handler(void) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  semihosting_exit(10u + (ipsr & 0x1ffu));
}

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&_estack), /* initial stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    SysTick_Handler,
};

void Reset_Handler(void) {
  uint32_t *src = &_sidata;
  for (uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();
  (void)main();
  for (;;) __asm__ volatile("wfi");
}
